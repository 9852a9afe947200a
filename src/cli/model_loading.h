// Opens a GGUF LLM with everything needed to run it from the command line.
#pragma once

#include <memory>
#include <string>

#include "cli/commands.h"
#include "core/status.h"
#include "core/thread_pool.h"
#include "llm/kv_cache.h"
#include "llm/llama_model.h"
#include "llm/tokenizer/tokenizer.h"
#include "ops/op_context.h"

namespace coreinfer::cli {

struct LlmSession {
  std::unique_ptr<llm::LlamaModel> model;
  std::unique_ptr<tokenizer::Tokenizer> tokenizer;  // null unless asked for
  std::unique_ptr<ThreadPool> pool;
  std::unique_ptr<ops::OpContext> ctx;
  std::unique_ptr<llm::KvCache> cache;
  llm::ForwardBuffers buffers;
};

enum class WithTokenizer { kNo, kYes };

// threads 0: the CPUs this process may use. n_ctx 0: min(model context, kDefaultContext).
inline constexpr int64_t kDefaultContext = 4096;
Result<std::unique_ptr<LlmSession>> load_llm(const std::string& path, const CommonOptions& common, int64_t n_ctx,
                                             int64_t n_slots, WithTokenizer with_tokenizer);
// Only the tokenizer (for `coreinfer tokenize`).
Result<std::unique_ptr<tokenizer::Tokenizer>> load_tokenizer(const std::string& path);

}  // namespace coreinfer::cli
