// Model metadata and weights are checked at load: clear errors for what is wrong, and the
// Mistral sliding window / linear RoPE scaling taken from the metadata.
#include <gtest/gtest.h>

#include <random>

#include "formats/gguf/gguf_writer.h"
#include "llm_test_util.h"
#include "support/test_support.h"

namespace coreinfer::testing {
namespace {

struct TinySpec {
  int64_t dim = 32, layers = 1, heads = 4, kv_heads = 2, ffn = 48, vocab = 40;
  int64_t sliding_window = 0;
  std::string arch = "llama";
  std::string rope_scaling;
  float rope_factor = 0;
  bool drop_ffn_up = false;
  bool wrong_q_shape = false;
};

std::unique_ptr<gguf::GgufFile> build(const TinySpec& s, uint32_t seed = 5) {
  gguf::GgufWriter w;
  const std::string a = s.arch;
  w.set_string("general.architecture", a);
  w.set_u32(a + ".embedding_length", static_cast<uint32_t>(s.dim));
  w.set_u32(a + ".block_count", static_cast<uint32_t>(s.layers));
  w.set_u32(a + ".feed_forward_length", static_cast<uint32_t>(s.ffn));
  w.set_u32(a + ".attention.head_count", static_cast<uint32_t>(s.heads));
  w.set_u32(a + ".attention.head_count_kv", static_cast<uint32_t>(s.kv_heads));
  w.set_u32(a + ".context_length", 64);
  w.set_u32(a + ".vocab_size", static_cast<uint32_t>(s.vocab));
  if (s.sliding_window) w.set_u32(a + ".attention.sliding_window", static_cast<uint32_t>(s.sliding_window));
  if (!s.rope_scaling.empty()) {
    w.set_string(a + ".rope.scaling.type", s.rope_scaling);
    w.set_f32(a + ".rope.scaling.factor", s.rope_factor);
  }
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal(0.0f, 0.3f);
  auto add = [&](const std::string& name, int64_t rows, int64_t cols) {
    std::vector<float> v(static_cast<size_t>(rows * cols));
    for (float& x : v) x = normal(rng);
    std::vector<int64_t> shape = rows == 1 ? std::vector<int64_t>{cols} : std::vector<int64_t>{cols, rows};
    EXPECT_TRUE(w.add_tensor(name, DType::kF32, shape, v.data(), v.size() * 4).is_ok());
  };
  const int64_t hd = s.dim / s.heads;
  add("token_embd.weight", s.vocab, s.dim);
  add("output_norm.weight", 1, s.dim);
  for (int64_t l = 0; l < s.layers; ++l) {
    const std::string p = "blk." + std::to_string(l) + ".";
    add(p + "attn_norm.weight", 1, s.dim);
    add(p + "ffn_norm.weight", 1, s.dim);
    add(p + "attn_q.weight", s.wrong_q_shape ? s.dim + 1 : s.dim, s.dim);
    add(p + "attn_k.weight", s.kv_heads * hd, s.dim);
    add(p + "attn_v.weight", s.kv_heads * hd, s.dim);
    add(p + "attn_output.weight", s.dim, s.dim);
    add(p + "ffn_gate.weight", s.ffn, s.dim);
    if (!s.drop_ffn_up) add(p + "ffn_up.weight", s.ffn, s.dim);
    add(p + "ffn_down.weight", s.dim, s.ffn);
  }
  const std::vector<uint8_t> bytes = w.to_bytes();
  auto f = gguf::GgufFile::parse(MappedFile::from_bytes(bytes.data(), bytes.size(), "tiny.gguf"));
  EXPECT_TRUE(f.is_ok()) << f.status().to_string();
  return std::move(f).value();
}

Result<std::unique_ptr<llm::LlamaModel>> load(const TinySpec& s) {
  return llm::LlamaModel::load(build(s), kernels::active());
}

TEST(ModelLoading, ClearErrorsForBrokenModels) {
  TinySpec missing;
  missing.drop_ffn_up = true;
  auto r = load(missing);
  ASSERT_FALSE(r.is_ok());
  EXPECT_NE(r.status().message().find("blk.0.ffn_up.weight"), std::string::npos) << r.status().message();

  TinySpec shape;
  shape.wrong_q_shape = true;
  r = load(shape);
  ASSERT_FALSE(r.is_ok());
  EXPECT_NE(r.status().message().find("attn_q.weight"), std::string::npos);
  EXPECT_NE(r.status().message().find("shape"), std::string::npos);

  TinySpec arch;
  arch.arch = "gpt-neox";
  r = load(arch);
  ASSERT_FALSE(r.is_ok());
  EXPECT_EQ(r.status().code(), StatusCode::kUnsupported);

  TinySpec heads;
  heads.kv_heads = 3;
  EXPECT_EQ(load(heads).status().code(), StatusCode::kCorrupt);

  TinySpec scaling;
  scaling.rope_scaling = "yarn";
  scaling.rope_factor = 4;
  EXPECT_EQ(load(scaling).status().code(), StatusCode::kUnsupported);
}

TEST(ModelLoading, ReadsSlidingWindowAndLinearRopeScaling) {
  TinySpec s;
  s.arch = "mistral";
  s.sliding_window = 4;
  s.rope_scaling = "linear";
  s.rope_factor = 4;
  auto r = load(s);
  ASSERT_TRUE(r.is_ok()) << r.status().to_string();
  EXPECT_EQ((*r)->config().sliding_window, 4);
  EXPECT_FLOAT_EQ((*r)->config().rope_freq_scale, 0.25f);
}

TEST(ModelLoading, SlidingWindowChangesOnlyPositionsPastTheWindow) {
  TinySpec plain_spec, window_spec;
  window_spec.sliding_window = 4;
  auto plain = load(plain_spec);
  auto windowed = load(window_spec);
  ASSERT_TRUE(plain.is_ok() && windowed.is_ok());
  const std::vector<int32_t> prompt = {1, 5, 9, 3, 7, 2, 8, 4, 6, 11};
  ModelRunner a(**plain, kernels::active(), 1, 32), b(**windowed, kernels::active(), 1, 32);
  const auto la = a.prompt_logits(prompt), lb = b.prompt_logits(prompt);
  const size_t vocab = 40;
  for (size_t pos = 0; pos < prompt.size(); ++pos) {
    const ErrorStats e = compare(lb.data() + pos * vocab, la.data() + pos * vocab, vocab);
    if (pos < 4) {
      EXPECT_EQ(e.max_abs, 0.0) << "position " << pos << " sees the whole prefix either way";
    } else {
      EXPECT_GT(e.max_abs, 1e-4) << "position " << pos << " must not see tokens before the window";
    }
  }
}

TEST(ModelLoading, TokenOutsideTheVocabularyIsAnError) {
  auto m = load(TinySpec{});
  ASSERT_TRUE(m.is_ok());
  ThreadPool pool(ThreadPoolOptions{1, {}, false});
  ops::OpContext ctx(pool, kernels::active());
  llm::KvCache cache(1, 1, 8, (*m)->config().kv_dim());
  llm::ForwardBuffers buffers;
  std::vector<float> logits(40);
  const llm::BatchToken bad{40, 0, 0, true};
  EXPECT_EQ((*m)->forward(ctx, std::span<const llm::BatchToken>(&bad, 1), cache, buffers, logits.data()).code(),
            StatusCode::kInvalidArgument);
  const llm::BatchToken far{1, 8, 0, true};
  EXPECT_EQ((*m)->forward(ctx, std::span<const llm::BatchToken>(&far, 1), cache, buffers, logits.data()).code(),
            StatusCode::kOutOfRange);
}

}  // namespace
}  // namespace coreinfer::testing
