// Opens a GGUF LLM with everything needed to run it from the command line.
#pragma once

#include <memory>
#include <string>

#include "core/status.h"
#include "core/thread_pool.h"
#include "llm/kv_cache.h"
#include "llm/llama_model.h"
#include "ops/op_context.h"

namespace coreinfer::cli {

struct LlmSession {
  std::unique_ptr<llm::LlamaModel> model;
  std::unique_ptr<ThreadPool> pool;
  std::unique_ptr<ops::OpContext> ctx;
  std::unique_ptr<llm::KvCache> cache;
  llm::ForwardBuffers buffers;
};

// threads 0: the CPUs this process may use. n_ctx is clamped to the model's context length.
Result<std::unique_ptr<LlmSession>> load_llm(const std::string& path, int threads, int64_t n_ctx, int64_t n_slots);

}  // namespace coreinfer::cli
