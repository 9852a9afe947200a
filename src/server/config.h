// What `coreinfer serve` serves and how: from flags and an optional YAML file (--config).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "core/status.h"

namespace coreinfer::server {

struct ModelSpec {
  std::string name;
  std::string path;              // GGUF: an LLM; .onnx: a tensor model (KServe v2)
  int threads = 0;               // 0: one per CPU of `cpus`, or the CPUs this process may use
  std::vector<int> cpus;         // cores to pin this model's threads to; empty: the affinity mask
  bool mmap_weights = false;
  bool fp32_activations = false;  // decode with fp32 activations instead of the 8-bit path
  int64_t ctx_size = 0;          // tokens per sequence; 0: min(model, 4096)
  int64_t kv_cache_tokens = 0;   // positions in the shared paged KV cache; 0: parallel x ctx_size
  int parallel = 4;              // sequences decoded together (KV-cache slots)
  int queue_size = 64;           // waiting requests beyond `parallel`; more get 429
  int prefill_chunk = 512;       // prompt tokens per forward call
  int max_decode_batch = 8;      // sequences per decode forward call
  int max_prompt_tokens = 0;     // 0: the context size
  int max_output_tokens = 4096;  // cap on max_tokens
  std::string chat_template;     // format name when the model has none
  // Tensor models: requests stacked along the batch dimension up to this many rows, waiting
  // at most max_queue_delay_us after the oldest one arrived.
  int max_batch_size = 8;
  int64_t max_queue_delay_us = 2000;

  bool is_tensor_model() const;  // an ONNX file
};

struct ServeConfig {
  std::string host = "127.0.0.1";
  int port = 8080;
  std::vector<ModelSpec> models;
  std::vector<std::string> api_keys;
  size_t max_body_bytes = 8u << 20;
  int http_threads = 64;
  double request_timeout_seconds = 600;
  double grace_period_seconds = 30;
  bool log_json = false;
};

// Reads a YAML file into `config` (keys it does not name keep their values). Unknown keys
// and wrong types are errors that name the key.
Status load_config_file(const std::string& path, ServeConfig& config);

// "0-3,8,10-11" -> {0,1,2,3,8,10,11}.
Result<std::vector<int>> parse_cpu_list(const std::string& text);

// "NAME=PATH" (or a bare PATH, named after its file stem).
Result<ModelSpec> parse_model_flag(const std::string& text);

// Checks ranges and unique names.
Status validate_config(const ServeConfig& config);

}  // namespace coreinfer::server
