// Writes a Llama-architecture GGUF with real model shapes and random weights, quantised to a
// chosen type with coreinfer's own quantisers and GGUF writer, so anyone can reproduce the
// speed numbers without downloading a model:
//   coreinfer_make_model --shape tinyllama-1.1b --type Q4_K_M -o build/bench-models/tl-q4km.gguf
// The file also carries a synthetic SentencePiece vocabulary (see add_tokenizer) so that
// `coreinfer run` and `coreinfer serve`, which need a tokenizer, accept it.
#include <CLI/CLI.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "core/half.h"
#include "formats/gguf/gguf_writer.h"
#include "kernels/kernel_table.h"

namespace {

using coreinfer::DType;

struct Shape {
  int64_t dim, n_layers, n_heads, n_kv_heads, ffn, vocab, ctx;
  float rope_base;
};

const std::map<std::string, Shape> kShapes = {
    {"tinyllama-1.1b", {2048, 22, 32, 4, 5632, 32000, 2048, 10000.0f}},
    {"llama2-7b", {4096, 32, 32, 32, 11008, 32000, 4096, 10000.0f}},
    {"llama3-8b", {4096, 32, 32, 8, 14336, 128256, 8192, 500000.0f}},
    {"mistral-7b", {4096, 32, 32, 8, 14336, 32000, 32768, 1000000.0f}},
    {"llama-125m", {768, 12, 12, 12, 2048, 32000, 2048, 10000.0f}},
    {"small-test", {256, 2, 4, 2, 768, 512, 256, 10000.0f}},
};

// A fast deterministic Gaussian source (Box-Muller over a 64-bit LCG).
class Gaussian {
 public:
  explicit Gaussian(uint64_t seed) : s_(seed * 2862933555777941757ull + 3037000493ull) {}
  float operator()() {
    const double u1 = (static_cast<double>(next() >> 11) + 0.5) * 0x1.0p-53;
    const double u2 = static_cast<double>(next() >> 11) * 0x1.0p-53;
    return static_cast<float>(std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2));
  }

 private:
  uint64_t next() { return s_ = s_ * 6364136223846793005ull + 1442695040888963407ull; }
  uint64_t s_;
};

// The type of each tensor for a file type; "_M" mixtures follow the usual recipe: more bits
// for attn_v and ffn_down in the first and last eighth of the layers and every third between,
// and Q6_K for the output head.
DType tensor_type(const std::string& ftype, const std::string& role, int64_t layer, int64_t n_layers) {
  auto base = [](const std::string& f) {
    DType t;
    if (f == "Q4_K_M") return DType::kQ4_K;
    if (f == "Q5_K_M") return DType::kQ5_K;
    if (f == "Q3_K_M") return DType::kQ3_K;
    if (!coreinfer::parse_dtype(f, &t)) return DType::kF32;
    return t;
  };
  const bool mixture = ftype.size() > 2 && ftype.compare(ftype.size() - 2, 2, "_M") == 0;
  if (!mixture) return base(ftype);
  if (role == "output") return DType::kQ6_K;
  const bool more_bits = layer < n_layers / 8 || layer >= 7 * n_layers / 8 || (layer - n_layers / 8) % 3 == 2;
  if ((role == "attn_v" || role == "ffn_down") && more_bits) return DType::kQ6_K;
  return base(ftype);
}

bool add_matrix(coreinfer::gguf::GgufWriter& w, const std::string& name, DType type, int64_t rows, int64_t cols,
                float stddev, Gaussian& g) {
  const auto& k = coreinfer::kernels::active();
  std::vector<float> row(static_cast<size_t>(cols));
  const size_t row_bytes = coreinfer::row_bytes(type, cols);
  std::vector<uint8_t> data(row_bytes * static_cast<size_t>(rows));
  const auto quantize = k.weights[static_cast<uint32_t>(type)].quantize_row;
  if (quantize == nullptr) {
    std::fprintf(stderr, "no quantiser for %s\n", std::string(coreinfer::dtype_name(type)).c_str());
    return false;
  }
  for (int64_t r = 0; r < rows; ++r) {
    for (float& v : row) v = stddev * g();
    quantize(row.data(), data.data() + static_cast<size_t>(r) * row_bytes, cols);
  }
  const auto st = w.add_tensor(name, type, {cols, rows}, data.data(), data.size());
  if (!st.is_ok()) std::fprintf(stderr, "%s\n", st.to_string().c_str());
  return st.is_ok();
}

bool add_norm(coreinfer::gguf::GgufWriter& w, const std::string& name, int64_t n, Gaussian& g) {
  std::vector<float> v(static_cast<size_t>(n));
  for (float& x : v) x = 1.0f + 0.05f * g();
  return w.add_tensor(name, DType::kF32, {n}, v.data(), v.size() * sizeof(float)).is_ok();
}

// A Llama-style SentencePiece vocabulary of exactly `vocab` tokens: <unk>, <s>, </s>, the 256
// byte-fallback tokens, then made-up pieces (printable ASCII, lowercase pairs and triples, with
// and without the word-start mark U+2581) until the vocabulary is full. Any text tokenizes
// (bytes fall back to <0xXX>), and every id the random model may sample detokenizes.
void add_tokenizer(coreinfer::gguf::GgufWriter& w, int64_t vocab) {
  const std::string word_start = "\xE2\x96\x81";  // U+2581, SentencePiece's space
  std::vector<std::string> tokens = {"<unk>", "<s>", "</s>"};
  std::vector<int32_t> types = {2, 3, 3};  // unknown, control, control
  for (int b = 0; b < 256; ++b) {
    char name[8];
    std::snprintf(name, sizeof name, "<0x%02X>", b);
    tokens.push_back(name);
    types.push_back(6);  // byte
  }
  const auto n = static_cast<size_t>(vocab);
  auto add = [&](const std::string& piece) {
    if (tokens.size() >= n) return;
    tokens.push_back(piece);
    types.push_back(1);  // normal
  };
  add(word_start);
  for (char c = 33; c < 127; ++c) add(std::string(1, c));
  for (char c = 33; c < 127; ++c) add(word_start + c);
  std::string s;
  // Lowercase strings of growing length, each once plain and once after the word-start mark.
  for (int len = 2; tokens.size() < n && len <= 4; ++len) {
    int64_t count = 1;
    for (int i = 0; i < len; ++i) count *= 26;
    for (int64_t k = 0; k < count && tokens.size() < n; ++k) {
      s.assign(static_cast<size_t>(len), 'a');
      for (int64_t i = len - 1, v = k; i >= 0; --i, v /= 26) s[static_cast<size_t>(i)] = static_cast<char>('a' + v % 26);
      add(s);
      add(word_start + s);
    }
  }
  for (size_t i = tokens.size(); i < n; ++i) add("<unused_" + std::to_string(i) + ">");
  tokens.resize(std::min(tokens.size(), n));
  types.resize(tokens.size());
  // SentencePiece merges the best-scoring pair first; longer pieces score higher here.
  std::vector<float> scores(tokens.size(), 0.0f);
  for (size_t i = 0; i < tokens.size(); ++i) scores[i] = types[i] == 1 ? static_cast<float>(tokens[i].size()) : 0.0f;
  w.set_string("tokenizer.ggml.model", "llama");
  w.set_string_array("tokenizer.ggml.tokens", tokens);
  w.set_f32_array("tokenizer.ggml.scores", scores);
  w.set_i32_array("tokenizer.ggml.token_type", types);
  w.set_u32("tokenizer.ggml.unknown_token_id", 0);
  w.set_u32("tokenizer.ggml.bos_token_id", 1);
  w.set_u32("tokenizer.ggml.eos_token_id", 2);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Writes a random-weight Llama GGUF with real shapes for benchmarks"};
  std::string shape_name = "tinyllama-1.1b", ftype = "Q4_0", out;
  uint64_t seed = 1;
  app.add_option("--shape", shape_name, "model shape")->check(CLI::IsMember([] {
    std::vector<std::string> names;
    for (const auto& [n, s] : kShapes) names.push_back(n);
    return names;
  }()));
  app.add_option("--type", ftype, "F32, F16, BF16, Q8_0, Q4_0, Q4_1, Q5_0, Q5_1, Q2_K ... Q6_K, Q3_K_M, Q4_K_M, Q5_K_M");
  app.add_option("--seed", seed, "random seed");
  app.add_option("-o,--output", out, "output file")->required();
  CLI11_PARSE(app, argc, argv);

  const Shape& s = kShapes.at(shape_name);
  coreinfer::gguf::GgufWriter w;
  w.set_string("general.architecture", "llama");
  w.set_string("general.name", "synthetic " + shape_name + " " + ftype + " (random weights)");
  w.set_u32("llama.context_length", static_cast<uint32_t>(s.ctx));
  w.set_u32("llama.embedding_length", static_cast<uint32_t>(s.dim));
  w.set_u32("llama.block_count", static_cast<uint32_t>(s.n_layers));
  w.set_u32("llama.feed_forward_length", static_cast<uint32_t>(s.ffn));
  w.set_u32("llama.attention.head_count", static_cast<uint32_t>(s.n_heads));
  w.set_u32("llama.attention.head_count_kv", static_cast<uint32_t>(s.n_kv_heads));
  w.set_u32("llama.rope.dimension_count", static_cast<uint32_t>(s.dim / s.n_heads));
  w.set_f32("llama.rope.freq_base", s.rope_base);
  w.set_f32("llama.attention.layer_norm_rms_epsilon", 1e-5f);
  w.set_u32("llama.vocab_size", static_cast<uint32_t>(s.vocab));
  add_tokenizer(w, s.vocab);

  Gaussian g(seed);
  const int64_t head_dim = s.dim / s.n_heads;
  const int64_t kv_dim = s.n_kv_heads * head_dim;
  bool ok = add_matrix(w, "token_embd.weight", tensor_type(ftype, "token_embd", 0, s.n_layers), s.vocab, s.dim, 0.02f, g);
  for (int64_t l = 0; l < s.n_layers && ok; ++l) {
    const std::string p = "blk." + std::to_string(l) + ".";
    auto t = [&](const char* role) { return tensor_type(ftype, role, l, s.n_layers); };
    ok = add_norm(w, p + "attn_norm.weight", s.dim, g) && add_norm(w, p + "ffn_norm.weight", s.dim, g) &&
         add_matrix(w, p + "attn_q.weight", t("attn_q"), s.dim, s.dim, 0.02f, g) &&
         add_matrix(w, p + "attn_k.weight", t("attn_k"), kv_dim, s.dim, 0.02f, g) &&
         add_matrix(w, p + "attn_v.weight", t("attn_v"), kv_dim, s.dim, 0.02f, g) &&
         add_matrix(w, p + "attn_output.weight", t("attn_output"), s.dim, s.dim, 0.02f, g) &&
         add_matrix(w, p + "ffn_gate.weight", t("ffn_gate"), s.ffn, s.dim, 0.02f, g) &&
         add_matrix(w, p + "ffn_up.weight", t("ffn_up"), s.ffn, s.dim, 0.02f, g) &&
         add_matrix(w, p + "ffn_down.weight", t("ffn_down"), s.dim, s.ffn, 0.02f, g);
  }
  ok = ok && add_norm(w, "output_norm.weight", s.dim, g) &&
       add_matrix(w, "output.weight", tensor_type(ftype, "output", 0, s.n_layers), s.vocab, s.dim, 0.02f, g);
  if (!ok) return 1;
  const auto st = w.write(out);
  if (!st.is_ok()) {
    std::fprintf(stderr, "%s\n", st.to_string().c_str());
    return 1;
  }
  // Parameters: embedding and output head, per layer the 7 matrices and 2 norms, final norm.
  const int64_t per_layer = 2 * s.dim * s.dim + 2 * kv_dim * s.dim + 3 * s.ffn * s.dim + 2 * s.dim;
  const int64_t params = 2 * s.vocab * s.dim + s.n_layers * per_layer + s.dim;
  std::printf("wrote %s (%s, %.1fM parameters)\n", out.c_str(), shape_name.c_str(), static_cast<double>(params) / 1e6);
  return 0;
}
