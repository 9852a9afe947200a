// The Llama architecture (Llama 2/3, Mistral, TinyLlama): token embedding, RMSNorm, RoPE,
// grouped-query attention with a KV cache, SwiGLU FFN, tied or untied output head.
// Weights stay in the GGUF file's map in their stored format.
#pragma once

#include <memory>
#include <span>
#include <string>
#include <vector>

#include "core/huge_page_buffer.h"
#include "core/status.h"
#include "formats/gguf/gguf_file.h"
#include "kernels/kernel_table.h"
#include "llm/kv_cache.h"
#include "llm/model_config.h"
#include "ops/op_context.h"
#include "ops/rope.h"
#include "ops/weight_matrix.h"

namespace coreinfer::llm {

// One token of a forward batch. Tokens of several sequences (cache slots) may be mixed.
struct BatchToken {
  int32_t token = 0;
  int32_t pos = 0;      // its position in its sequence
  int32_t slot = 0;     // its sequence's KV-cache slot
  bool logits = false;  // compute the logits of this token
};

// Activation buffers of one forward call, reused across calls to avoid allocation.
struct ForwardBuffers {
  std::vector<float> x, xn, q, k, v, attn, gate, up, out_rows;
  std::vector<int32_t> positions;
  std::vector<ops::KvView> views;
};

enum class WeightPlacement {
  kHugePages,  // copied once into anonymous huge-page memory: steady full-bandwidth streaming
  kFileMap,    // used in place from the file's map: no copy, less memory, slower streaming
};

// How decode-time matrix-vector products treat the activations.
enum class ActivationPath {
  kInt8,  // quantised to 8 bits per 32-element block and multiplied with integer dot products
          // (kernels/quant/int8_path.h), for the weight types that have the path (Q4_0, Q8_0,
          // Q4_K, Q6_K), as llama.cpp computes; the others stay fp32
  kFp32,  // fp32 throughout: the weights are dequantised on the fly
};

class LlamaModel {
 public:
  // Takes the parsed file. Checks every tensor's shape and type.
  static Result<std::unique_ptr<LlamaModel>> load(std::unique_ptr<gguf::GgufFile> file,
                                                  const kernels::KernelTable& kernels,
                                                  WeightPlacement placement = WeightPlacement::kHugePages,
                                                  ActivationPath activations = ActivationPath::kInt8);

  const ModelConfig& config() const { return config_; }
  const gguf::GgufFile& file() const { return *file_; }
  int64_t parameter_count() const;
  // Whether any matrix is multiplied through the 8-bit activation path (ActivationPath::kInt8
  // and a weight type that has it).
  bool uses_int8_path() const;

  // Runs the batch, writes each token's K/V into `cache`, and writes the logits of the tokens
  // with `logits` set, in batch order, to `logits` ([count][vocab_size]). Positions must be
  // below cache.n_ctx() and each sequence's earlier positions must already be in the cache.
  // Reserves the cache blocks the new positions need; out of range (nothing computed) when
  // the cache's pool has too few free blocks.
  Status forward(ops::OpContext& ctx, std::span<const BatchToken> batch, KvCache& cache, ForwardBuffers& buffers,
                 float* logits) const;

 private:
  struct Layer {
    std::vector<float> attn_norm, ffn_norm;
    ops::WeightMatrix wq, wk, wv, wo, w_gate, w_up, w_down;
  };
  LlamaModel() = default;
  Status load_weights(const kernels::KernelTable& kernels);
  void choose_layouts(const kernels::KernelTable& kernels, WeightPlacement placement, ActivationPath activations);
  Status copy_weights_to_huge_pages(const kernels::KernelTable& kernels);
  Result<ops::WeightMatrix> matrix(const std::string& name, int64_t rows, int64_t cols,
                                   const kernels::KernelTable& kernels) const;
  Result<std::vector<float>> vector_f32(const std::string& name, int64_t n) const;
  void embed(ops::OpContext& ctx, std::span<const BatchToken> batch, float* x) const;

  std::unique_ptr<gguf::GgufFile> file_;
  ModelConfig config_;
  ops::WeightMatrix token_embd_, output_;
  std::vector<float> output_norm_;
  std::vector<Layer> layers_;
  ops::RopeTable rope_;
  HugePageBuffer weight_memory_;  // empty with WeightPlacement::kFileMap
};

}  // namespace coreinfer::llm
