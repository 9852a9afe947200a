// Hyper-parameters of a Llama-family model, read from GGUF metadata and checked for
// consistency before any weight is touched.
#pragma once

#include <string>

#include "core/status.h"
#include "formats/gguf/gguf_file.h"

namespace coreinfer::llm {

struct ModelConfig {
  std::string arch;          // general.architecture
  std::string name;          // general.name, if any
  int64_t vocab_size = 0;
  int64_t context_length = 0;
  int64_t dim = 0;           // embedding_length
  int64_t n_layers = 0;
  int64_t ffn_dim = 0;
  int64_t n_heads = 0;
  int64_t n_kv_heads = 0;
  int64_t head_dim = 0;
  int64_t rope_dims = 0;
  float rope_freq_base = 10000.0f;
  float rope_freq_scale = 1.0f;  // 1 / linear scaling factor
  float rms_eps = 1e-5f;
  int64_t sliding_window = 0;    // 0: none

  static Result<ModelConfig> from_gguf(const gguf::GgufFile& file);
  int64_t q_dim() const { return n_heads * head_dim; }
  int64_t kv_dim() const { return n_kv_heads * head_dim; }
};

}  // namespace coreinfer::llm
