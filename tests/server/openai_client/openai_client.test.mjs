// The official openai client against `coreinfer serve` (started by run.sh; its URL in
// COREINFER_URL). Run with `node --test`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';

const client = new OpenAI({ baseURL: `${process.env.COREINFER_URL}/v1`, apiKey: 'test-key', maxRetries: 0 });
const model = 'stories';

test('streaming chat completion', async () => {
  const stream = await client.chat.completions.create({
    model,
    messages: [{ role: 'user', content: 'Tell me a story about Lily.' }],
    max_tokens: 32,
    temperature: 0,
    stream: true,
    stream_options: { include_usage: true },
  });
  let text = '';
  let finish = null;
  let usage = null;
  for await (const chunk of stream) {
    assert.equal(chunk.object, 'chat.completion.chunk');
    if (chunk.usage) usage = chunk.usage;
    for (const choice of chunk.choices) {
      text += choice.delta?.content ?? '';
      if (choice.finish_reason) finish = choice.finish_reason;
    }
  }
  assert.ok(text.length > 0, 'some text');
  assert.ok(['stop', 'length'].includes(finish), `finish_reason ${finish}`);
  assert.ok(usage && usage.completion_tokens > 0 && usage.total_tokens === usage.prompt_tokens + usage.completion_tokens);

  // The same request without streaming gives the same greedy answer.
  const whole = await client.chat.completions.create({
    model,
    messages: [{ role: 'user', content: 'Tell me a story about Lily.' }],
    max_tokens: 32,
    temperature: 0,
  });
  assert.equal(whole.choices[0].message.content, text);
});

test('non-streaming completion', async () => {
  const r = await client.completions.create({
    model,
    prompt: 'Once upon a time',
    max_tokens: 10,
    temperature: 0,
    ignore_eos: true,
  });
  assert.equal(r.object, 'text_completion');
  assert.equal(r.choices[0].text, ', there was a little girl named Lily');
  assert.equal(r.choices[0].finish_reason, 'length');
  assert.equal(r.usage.completion_tokens, 10);
});

test('models, embeddings and errors', async () => {
  const models = await client.models.list();
  assert.deepEqual(models.data.map((m) => m.id), [model]);
  const e = await client.embeddings.create({ model, input: 'Lily' });
  assert.equal(e.data[0].embedding.length, 64);
  await assert.rejects(client.completions.create({ model: 'nope', prompt: 'x' }), (err) => {
    assert.equal(err.status, 404);
    assert.equal(err.code, 'model_not_found');
    return true;
  });
});
