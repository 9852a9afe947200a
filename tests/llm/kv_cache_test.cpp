// The paged KV cache: blocks taken from the shared pool as sequences grow, returned on
// truncate and release, exhaustion reported without taking anything, no block owned twice
// or lost; a forward pass over fragmented blocks computes what a fresh cache does, and the
// Generator's prefix reuse (a slot truncated mid-block) answers as a fresh slot does.
#include "llm/kv_cache.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <set>

#include "llm/generator.h"
#include "llm_test_util.h"
#include "support/test_support.h"

namespace coreinfer::testing {
namespace {

using llm::KvCache;
using llm::kKvBlockTokens;

constexpr int64_t kLayers = 2, kKvDim = 8;

// The pool blocks each slot's rows live in, read back through the cache's own views.
std::set<const float*> blocks_of(const KvCache& cache, int32_t slot) {
  std::set<const float*> out;
  for (int64_t layer = 0; layer < cache.n_layers(); ++layer) {
    const ops::KvView v = cache.view(layer, slot);
    for (int64_t i = 0; i < cache.capacity(slot) / kKvBlockTokens; ++i) out.insert(v.k_block(i));
  }
  return out;
}

// Every block is either free or owned by exactly one slot.
void expect_accounted(const KvCache& cache) {
  std::set<const float*> owned;
  int64_t held = 0;
  for (int32_t s = 0; s < cache.n_slots(); ++s) {
    const auto b = blocks_of(cache, s);
    held += cache.capacity(s) / kKvBlockTokens;
    for (const float* p : b) EXPECT_TRUE(owned.insert(p).second) << "a block is owned twice (slot " << s << ")";
  }
  EXPECT_EQ(held, cache.used_blocks());
  EXPECT_EQ(cache.used_blocks() + cache.free_blocks(), cache.total_blocks());
}

TEST(KvCache, DefaultPoolHoldsEverySlotsFullContext) {
  KvCache cache(kLayers, 3, 100, kKvDim);
  EXPECT_EQ(KvCache::blocks_for(100), (100 + kKvBlockTokens - 1) / kKvBlockTokens);
  EXPECT_EQ(cache.total_blocks(), 3 * KvCache::blocks_for(100));
  EXPECT_EQ(cache.free_blocks(), cache.total_blocks());
  for (int32_t s = 0; s < 3; ++s) ASSERT_TRUE(cache.reserve(s, 100).is_ok()) << s;
  EXPECT_EQ(cache.free_blocks(), 0);
  EXPECT_EQ(KvCache::bytes_needed(kLayers, 5, kKvDim), size_t{kLayers * 5 * 2 * kKvBlockTokens * kKvDim * 4});
  expect_accounted(cache);
}

TEST(KvCache, ReserveTakesBlocksAsTheSequenceGrows) {
  KvCache cache(kLayers, 2, 256, kKvDim);
  ASSERT_TRUE(cache.reserve(0, 1).is_ok());
  EXPECT_EQ(cache.capacity(0), kKvBlockTokens);
  EXPECT_EQ(cache.used_blocks(), 1);
  ASSERT_TRUE(cache.reserve(0, kKvBlockTokens).is_ok());  // still one block
  EXPECT_EQ(cache.used_blocks(), 1);
  ASSERT_TRUE(cache.reserve(0, kKvBlockTokens + 1).is_ok());
  EXPECT_EQ(cache.used_blocks(), 2);
  ASSERT_TRUE(cache.reserve(0, 3).is_ok());  // never shrinks
  EXPECT_EQ(cache.capacity(0), 2 * kKvBlockTokens);
  ASSERT_TRUE(cache.reserve(1, 5 * kKvBlockTokens).is_ok());
  EXPECT_EQ(cache.used_blocks(), 7);
  EXPECT_EQ(cache.capacity(1), 5 * kKvBlockTokens);
  expect_accounted(cache);
}

TEST(KvCache, RowsOfEveryPositionLayerAndSlotAreDistinct) {
  KvCache cache(kLayers, 2, 3 * kKvBlockTokens, kKvDim);
  for (int32_t s = 0; s < 2; ++s) ASSERT_TRUE(cache.reserve(s, 3 * kKvBlockTokens).is_ok());
  // Write a value naming each row, then read all of them back through the views.
  auto tag = [](int64_t layer, int32_t slot, int64_t pos, int kv) {
    return static_cast<float>(((layer * 2 + slot) * 1000 + pos) * 2 + kv);
  };
  for (int64_t l = 0; l < kLayers; ++l)
    for (int32_t s = 0; s < 2; ++s)
      for (int64_t p = 0; p < 3 * kKvBlockTokens; ++p) {
        std::fill_n(cache.k_row(l, s, p), kKvDim, tag(l, s, p, 0));
        std::fill_n(cache.v_row(l, s, p), kKvDim, tag(l, s, p, 1));
      }
  for (int64_t l = 0; l < kLayers; ++l)
    for (int32_t s = 0; s < 2; ++s) {
      const ops::KvView v = cache.view(l, s);
      EXPECT_EQ(v.block_tokens, kKvBlockTokens);
      EXPECT_EQ(v.row_stride, kKvDim);
      for (int64_t p = 0; p < 3 * kKvBlockTokens; ++p) {
        const int64_t b = p / kKvBlockTokens, r = p % kKvBlockTokens;
        ASSERT_EQ(v.k_block(b)[r * kKvDim + kKvDim - 1], tag(l, s, p, 0)) << l << " " << s << " " << p;
        ASSERT_EQ(v.v_block(b)[r * kKvDim], tag(l, s, p, 1)) << l << " " << s << " " << p;
      }
    }
}

TEST(KvCache, ExhaustionIsAnErrorThatTakesNothing) {
  KvCache cache(kLayers, 2, 10 * kKvBlockTokens, kKvDim, /*n_blocks=*/4);
  EXPECT_EQ(cache.total_blocks(), 4);
  ASSERT_TRUE(cache.reserve(0, 3 * kKvBlockTokens).is_ok());
  ASSERT_TRUE(cache.reserve(1, kKvBlockTokens).is_ok());
  const Status st = cache.reserve(1, 2 * kKvBlockTokens + 1);  // needs 2 more, none free
  EXPECT_EQ(st.code(), StatusCode::kOutOfRange);
  EXPECT_NE(st.message().find("KV cache is full"), std::string::npos) << st.message();
  EXPECT_EQ(cache.capacity(1), kKvBlockTokens);
  EXPECT_EQ(cache.free_blocks(), 0);
  // Past the context is refused whatever is free.
  cache.release(0);
  EXPECT_EQ(cache.reserve(1, 10 * kKvBlockTokens + 1).code(), StatusCode::kOutOfRange);
  EXPECT_EQ(cache.capacity(1), kKvBlockTokens);
  EXPECT_TRUE(cache.reserve(1, 4 * kKvBlockTokens).is_ok());
  expect_accounted(cache);
}

TEST(KvCache, TruncateKeepsThePrefixAndReturnsTheRest) {
  KvCache cache(kLayers, 1, 8 * kKvBlockTokens, kKvDim);
  ASSERT_TRUE(cache.reserve(0, 5 * kKvBlockTokens).is_ok());
  for (int64_t p = 0; p < 5 * kKvBlockTokens; ++p) cache.k_row(1, 0, p)[0] = static_cast<float>(p);
  cache.truncate(0, 2 * kKvBlockTokens + 3);  // a partial block stays
  EXPECT_EQ(cache.capacity(0), 3 * kKvBlockTokens);
  EXPECT_EQ(cache.used_blocks(), 3);
  for (int64_t p = 0; p < 2 * kKvBlockTokens + 3; ++p) ASSERT_EQ(cache.k_row(1, 0, p)[0], static_cast<float>(p)) << p;
  cache.truncate(0, 2 * kKvBlockTokens);  // on a block boundary
  EXPECT_EQ(cache.used_blocks(), 2);
  cache.truncate(0, 100 * kKvBlockTokens);  // longer than held: nothing changes
  EXPECT_EQ(cache.used_blocks(), 2);
  cache.release(0);
  EXPECT_EQ(cache.used_blocks(), 0);
  EXPECT_EQ(cache.capacity(0), 0);
}

TEST(KvCache, ReleasedBlocksAreReusedByOtherSlots) {
  KvCache cache(kLayers, 2, 4 * kKvBlockTokens, kKvDim, /*n_blocks=*/4);
  ASSERT_TRUE(cache.reserve(0, 4 * kKvBlockTokens).is_ok());
  const auto first_owner = blocks_of(cache, 0);
  EXPECT_EQ(cache.reserve(1, 1).code(), StatusCode::kOutOfRange);
  cache.release(0);
  ASSERT_TRUE(cache.reserve(1, 4 * kKvBlockTokens).is_ok());
  EXPECT_EQ(blocks_of(cache, 1), first_owner);
  expect_accounted(cache);
}

TEST(KvCache, RandomGrowthAndReleaseNeverLeaksOrSharesABlock) {
  const int32_t slots = 5;
  KvCache cache(kLayers, slots, 20 * kKvBlockTokens, kKvDim, /*n_blocks=*/30);
  std::mt19937 rng(3);
  std::vector<int64_t> length(slots, 0);
  for (int step = 0; step < 2000; ++step) {
    const int32_t s = static_cast<int32_t>(rng() % slots);
    switch (rng() % 4) {
      case 0:
      case 1: {  // grow by up to 2 blocks
        const int64_t want = std::min<int64_t>(length[s] + 1 + rng() % (2 * kKvBlockTokens), 20 * kKvBlockTokens);
        const int64_t free_before = cache.free_blocks();
        const Status st = cache.reserve(s, want);
        const int64_t need = KvCache::blocks_for(want) - KvCache::blocks_for(length[s]);
        ASSERT_EQ(st.is_ok(), need <= free_before) << step;
        if (st.is_ok()) length[s] = std::max(length[s], want);
        break;
      }
      case 2:
        length[s] = std::min<int64_t>(length[s], rng() % (20 * kKvBlockTokens));
        cache.truncate(s, length[s]);
        break;
      default: length[s] = 0; cache.release(s); break;
    }
    ASSERT_EQ(cache.capacity(s), KvCache::blocks_for(length[s]) * kKvBlockTokens) << step;
    if (step % 100 == 0) expect_accounted(cache);
  }
  for (int32_t s = 0; s < slots; ++s) cache.release(s);
  EXPECT_EQ(cache.free_blocks(), cache.total_blocks());
}

// stories260K's greedy steps through a cache whose blocks alternate between two sequences
// (and were freed and retaken in between) give the logits of a fresh contiguous-order cache.
TEST(KvCache, ForwardOverFragmentedBlocksMatchesAFreshCache) {
  const kernels::KernelTable& table = kernels::active();
  LoadedModel m = load_model(asset_path("models/stories260K.gguf"), table);
  ASSERT_TRUE(m.model) << m.error;
  const llm::LlamaModel& model = *m.model;
  const int64_t vocab = model.config().vocab_size;
  ThreadPool pool(ThreadPoolOptions{2, {}, false});
  ops::OpContext ctx(pool, table);
  const int64_t n_ctx = 6 * kKvBlockTokens;
  const int n_steps = static_cast<int>(n_ctx) - 1;

  // Alone: slot 0 of its own cache, one token per call.
  auto run_alone = [&](int32_t first_token) {
    KvCache cache(model.config().n_layers, 1, n_ctx, model.config().kv_dim());
    llm::ForwardBuffers buffers;
    std::vector<float> logits(static_cast<size_t>(n_steps * vocab));
    int32_t tok = first_token;
    for (int p = 0; p < n_steps; ++p) {
      const llm::BatchToken t{tok, p, 0, true};
      EXPECT_TRUE(model.forward(ctx, std::span(&t, 1), cache, buffers, logits.data() + p * vocab).is_ok());
      tok = static_cast<int32_t>(std::max_element(logits.begin() + p * vocab, logits.begin() + (p + 1) * vocab) -
                                 (logits.begin() + p * vocab));
    }
    return logits;
  };
  const std::vector<float> alone_a = run_alone(1), alone_b = run_alone(300);

  // Together: slots 1 and 2 of a shared cache, after slot 0 took and gave back blocks, so the
  // two sequences' blocks interleave in the pool.
  KvCache cache(model.config().n_layers, 3, n_ctx, model.config().kv_dim());
  ASSERT_TRUE(cache.reserve(0, 3 * kKvBlockTokens).is_ok());
  cache.release(0);
  llm::ForwardBuffers buffers;
  std::vector<float> logits(static_cast<size_t>(2 * vocab));
  std::vector<float> got_a, got_b;
  int32_t tok_a = 1, tok_b = 300;
  for (int p = 0; p < n_steps; ++p) {
    const llm::BatchToken batch[2] = {{tok_a, p, 1, true}, {tok_b, p, 2, true}};
    ASSERT_TRUE(model.forward(ctx, std::span(batch, 2), cache, buffers, logits.data()).is_ok());
    got_a.insert(got_a.end(), logits.begin(), logits.begin() + vocab);
    got_b.insert(got_b.end(), logits.begin() + vocab, logits.end());
    tok_a = static_cast<int32_t>(std::max_element(logits.begin(), logits.begin() + vocab) - logits.begin());
    tok_b = static_cast<int32_t>(std::max_element(logits.begin() + vocab, logits.end()) - logits.begin() - vocab);
  }
  EXPECT_EQ(got_a, alone_a);
  EXPECT_EQ(got_b, alone_b);
  EXPECT_EQ(cache.used_blocks(), 2 * KvCache::blocks_for(n_steps));
  expect_accounted(cache);
}

TEST(KvCache, ForwardWithAnExhaustedPoolFailsCleanly) {
  const kernels::KernelTable& table = kernels::active();
  LoadedModel m = load_model(asset_path("models/stories260K.gguf"), table);
  ASSERT_TRUE(m.model) << m.error;
  const llm::LlamaModel& model = *m.model;
  ThreadPool pool(ThreadPoolOptions{1, {}, false});
  ops::OpContext ctx(pool, table);
  KvCache cache(model.config().n_layers, 2, 4 * kKvBlockTokens, model.config().kv_dim(), /*n_blocks=*/1);
  llm::ForwardBuffers buffers;
  std::vector<float> logits(static_cast<size_t>(model.config().vocab_size));
  const llm::BatchToken first{1, 0, 0, true};
  ASSERT_TRUE(model.forward(ctx, std::span(&first, 1), cache, buffers, logits.data()).is_ok());
  const llm::BatchToken other{1, 0, 1, true};
  EXPECT_EQ(model.forward(ctx, std::span(&other, 1), cache, buffers, logits.data()).code(), StatusCode::kOutOfRange);
  const llm::BatchToken next_block{1, static_cast<int32_t>(kKvBlockTokens), 0, true};
  EXPECT_EQ(model.forward(ctx, std::span(&next_block, 1), cache, buffers, logits.data()).code(),
            StatusCode::kOutOfRange);
  expect_accounted(cache);
}

// A chat-like sequence of prompts on one slot: each reuses the cached prefix (cut mid-block
// when the new prompt diverges) and answers exactly as a fresh cache would.
TEST(KvCache, GeneratorPrefixReuseAnswersAsAFreshSlot) {
  const kernels::KernelTable& table = kernels::active();
  auto file = gguf::GgufFile::open(asset_path("models/stories260K.gguf"));
  ASSERT_TRUE(file.is_ok()) << file.status().to_string();
  auto tok = tokenizer::Tokenizer::from_gguf(**file);
  ASSERT_TRUE(tok.is_ok()) << tok.status().to_string();
  auto model = llm::LlamaModel::load(std::move(file).value(), table);
  ASSERT_TRUE(model.is_ok()) << model.status().to_string();
  const llm::ModelConfig& c = (*model)->config();
  ThreadPool pool(ThreadPoolOptions{1, {}, false});
  ops::OpContext ctx(pool, table);
  auto request = [](std::vector<int32_t> prompt) {
    llm::GenerationRequest r;
    r.prompt = std::move(prompt);
    r.max_tokens = 20;
    r.ignore_eos = true;
    r.sampling.temperature = 0;
    return r;
  };
  auto fresh_answer = [&](const llm::GenerationRequest& r) {
    KvCache cache(c.n_layers, 1, 256, c.kv_dim());
    llm::Generator gen(**model, *tok, ctx, cache);
    auto out = gen.generate(r, [](std::string_view) { return true; });
    EXPECT_TRUE(out.is_ok()) << out.status().to_string();
    return out.is_ok() ? out->tokens : std::vector<int32_t>{};
  };

  KvCache cache(c.n_layers, 2, 256, c.kv_dim());
  ASSERT_TRUE(cache.reserve(0, 40).is_ok());  // another slot's blocks interleave with ours
  llm::Generator gen(**model, *tok, ctx, cache, /*slot=*/1);
  std::vector<int32_t> prompt = {1, 400, 80, 25, 300, 12, 99, 7, 250, 31, 64, 128, 5, 17, 200, 33, 47, 3};
  for (int turn = 0; turn < 4; ++turn) {
    SCOPED_TRACE("turn " + std::to_string(turn));
    const llm::GenerationRequest r = request(prompt);
    auto out = gen.generate(r, [](std::string_view) { return true; });
    ASSERT_TRUE(out.is_ok()) << out.status().to_string();
    EXPECT_EQ(out->tokens, fresh_answer(r));
    // The slot holds the prompt and all but the last answer token (never fed back).
    EXPECT_EQ(cache.capacity(1), KvCache::blocks_for(static_cast<int64_t>(prompt.size() + out->tokens.size()) - 1) *
                                     kKvBlockTokens);
    expect_accounted(cache);
    if (turn == 1) {
      prompt.resize(21);  // diverge inside a cached block: the rest of it is recomputed
      prompt.push_back(77);
    } else {
      prompt.insert(prompt.end(), out->tokens.begin(), out->tokens.end());
      prompt.insert(prompt.end(), {9, 150, 42});
    }
  }
}

}  // namespace
}  // namespace coreinfer::testing
