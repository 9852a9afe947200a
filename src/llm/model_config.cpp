#include "llm/model_config.h"

namespace coreinfer::llm {
namespace {

bool is_supported_arch(const std::string& arch) { return arch == "llama" || arch == "mistral"; }

}  // namespace

Result<ModelConfig> ModelConfig::from_gguf(const gguf::GgufFile& f) {
  ModelConfig c;
  CI_ASSIGN_OR_RETURN(c.arch, f.get_string("general.architecture"));
  if (!is_supported_arch(c.arch)) {
    return unsupported(f.path() + ": architecture '" + c.arch + "' is not supported (supported: llama, mistral)");
  }
  c.name = f.get_string_or("general.name", "");
  const std::string p = c.arch + ".";
  CI_ASSIGN_OR_RETURN(c.dim, f.get_int(p + "embedding_length"));
  CI_ASSIGN_OR_RETURN(c.n_layers, f.get_int(p + "block_count"));
  CI_ASSIGN_OR_RETURN(c.ffn_dim, f.get_int(p + "feed_forward_length"));
  CI_ASSIGN_OR_RETURN(c.n_heads, f.get_int(p + "attention.head_count"));
  c.n_kv_heads = f.get_int_or(p + "attention.head_count_kv", c.n_heads);
  c.context_length = f.get_int_or(p + "context_length", 2048);
  c.rms_eps = static_cast<float>(f.get_float_or(p + "attention.layer_norm_rms_epsilon", 1e-5));
  c.rope_freq_base = static_cast<float>(f.get_float_or(p + "rope.freq_base", 10000.0));
  c.sliding_window = f.get_int_or(p + "attention.sliding_window", 0);

  auto corrupt_config = [&](const std::string& what) { return corrupt(f.path() + ": " + what); };
  if (c.dim <= 0 || c.n_layers <= 0 || c.ffn_dim <= 0 || c.n_heads <= 0 || c.n_kv_heads <= 0 ||
      c.context_length <= 0 || c.dim > (1 << 20) || c.n_layers > 4096 || c.n_heads > 4096) {
    return corrupt_config("model dimensions are out of range");
  }
  if (c.n_heads % c.n_kv_heads != 0) {
    return corrupt_config("head_count " + std::to_string(c.n_heads) + " is not a multiple of head_count_kv " +
                          std::to_string(c.n_kv_heads));
  }
  c.head_dim = f.get_int_or(p + "attention.key_length", c.dim / c.n_heads);
  if (c.head_dim <= 0 || c.head_dim % 2 != 0 || f.get_int_or(p + "attention.value_length", c.head_dim) != c.head_dim) {
    return corrupt_config("head dimension must be even and the same for keys and values");
  }
  c.rope_dims = f.get_int_or(p + "rope.dimension_count", c.head_dim);
  if (c.rope_dims <= 0 || c.rope_dims > c.head_dim || c.rope_dims % 2 != 0) {
    return corrupt_config("rope.dimension_count must be even and at most the head dimension");
  }
  if (c.sliding_window < 0) return corrupt_config("attention.sliding_window is negative");

  const std::string scaling = f.get_string_or(p + "rope.scaling.type", "none");
  const double factor = f.get_float_or(p + "rope.scaling.factor", 0.0);
  if (scaling == "linear" && factor > 0) {
    c.rope_freq_scale = static_cast<float>(1.0 / factor);
  } else if (scaling != "none" && scaling != "linear") {
    return unsupported(f.path() + ": rope scaling '" + scaling + "' is not supported (supported: none, linear, and " +
                       "Llama 3.1 scaling through the rope_freqs tensor)");
  }
  if (auto tokens = f.get_array("tokenizer.ggml.tokens"); tokens.is_ok()) {
    c.vocab_size = static_cast<int64_t>((*tokens)->size);
  }
  c.vocab_size = f.get_int_or(p + "vocab_size", c.vocab_size);
  if (c.vocab_size <= 0) return corrupt_config("no vocabulary size (tokenizer.ggml.tokens is missing)");
  return c;
}

}  // namespace coreinfer::llm
