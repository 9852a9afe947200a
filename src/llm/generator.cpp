#include "llm/generator.h"

#include <algorithm>
#include <chrono>

#include "llm/sequence_stepper.h"

namespace coreinfer::llm {
namespace {
double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}
}  // namespace

Generator::Generator(const LlamaModel& model, const tokenizer::Tokenizer& tokenizer, ops::OpContext& ctx,
                     KvCache& cache, int32_t slot)
    : model_(model), tokenizer_(tokenizer), ctx_(ctx), cache_(cache), slot_(slot) {}

Result<GenerationResult> Generator::generate(const GenerationRequest& req, const TextCallback& on_text) {
  const int64_t vocab = model_.config().vocab_size;
  const int64_t n_prompt = static_cast<int64_t>(req.prompt.size());
  if (n_prompt == 0) return invalid_argument("the prompt is empty");
  if (n_prompt >= cache_.n_ctx()) {
    return out_of_range("the prompt has " + std::to_string(n_prompt) + " tokens; the context holds " +
                        std::to_string(cache_.n_ctx()) + " (raise --ctx-size or shorten the prompt)");
  }
  if (req.max_tokens < 0) return invalid_argument("max_tokens must be >= 0");
  CI_RETURN_IF_ERROR(req.sampling.validate(vocab));

  GenerationResult result;
  std::vector<float> logits(static_cast<size_t>(vocab));
  std::vector<BatchToken> batch;
  const auto t_prompt = std::chrono::steady_clock::now();
  // Reuse the cached prefix, but always recompute the last prompt token: its logits are needed.
  int64_t reused = 0;
  while (reused < n_prompt - 1 && reused < static_cast<int64_t>(in_cache_.size()) &&
         in_cache_[static_cast<size_t>(reused)] == req.prompt[static_cast<size_t>(reused)]) {
    ++reused;
  }
  in_cache_.assign(req.prompt.begin(), req.prompt.begin() + reused);
  cache_.truncate(slot_, reused);  // blocks past the kept prefix go back to the pool
  for (int64_t begin = reused; begin < n_prompt; begin += kPrefillChunk) {
    const int64_t end = std::min(n_prompt, begin + kPrefillChunk);
    batch.clear();
    for (int64_t i = begin; i < end; ++i) {
      batch.push_back({req.prompt[static_cast<size_t>(i)], static_cast<int32_t>(i), slot_, i + 1 == n_prompt});
    }
    CI_RETURN_IF_ERROR(model_.forward(ctx_, batch, cache_, buffers_, logits.data()));
    in_cache_.insert(in_cache_.end(), req.prompt.begin() + begin, req.prompt.begin() + end);
  }
  result.prompt_seconds = seconds_since(t_prompt);

  SequenceStepper stepper(req, tokenizer_, vocab, cache_.n_ctx());
  const auto t_gen = std::chrono::steady_clock::now();
  if (req.max_tokens == 0) stepper.finish_now("length");
  while (!stepper.done()) {
    const Delta delta = stepper.step(logits.data());
    CI_RETURN_IF_ERROR(stepper.error());
    if (!delta.text.empty() && !on_text(delta.text)) {
      result.finish_reason = "cancelled";
      break;
    }
    if (stepper.done()) break;
    const BatchToken next{stepper.next_token(), stepper.next_pos(), slot_, true};
    CI_RETURN_IF_ERROR(model_.forward(ctx_, std::span<const BatchToken>(&next, 1), cache_, buffers_, logits.data()));
    in_cache_.push_back(next.token);
  }
  if (result.finish_reason.empty()) result.finish_reason = stepper.finish_reason();
  result.tokens.assign(stepper.tokens().begin(), stepper.tokens().end());
  result.generation_seconds = seconds_since(t_gen);
  return result;
}

}  // namespace coreinfer::llm
