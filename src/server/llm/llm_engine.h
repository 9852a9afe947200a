// One served LLM: the model, its tokenizer and chat format, its own pinned thread pool, its
// KV cache (parallel slots of ctx_size tokens) and its scheduler.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "core/status.h"
#include "core/thread_pool.h"
#include "llm/kv_cache.h"
#include "llm/llama_model.h"
#include "llm/tokenizer/chat_template.h"
#include "llm/tokenizer/tokenizer.h"
#include "ops/op_context.h"
#include "server/config.h"
#include "server/llm/scheduler.h"
#include "server/metrics.h"

namespace coreinfer::server {

class LlmEngine {
 public:
  static Result<std::unique_ptr<LlmEngine>> load(const ModelSpec& spec, MetricsRegistry* metrics);
  ~LlmEngine();

  const ModelSpec& spec() const { return spec_; }
  const std::string& name() const { return spec_.name; }
  const llm::ModelConfig& config() const { return model_->config(); }
  const tokenizer::Tokenizer& tokenizer() const { return *tokenizer_; }
  LlmScheduler& scheduler() { return *scheduler_; }
  int64_t n_ctx() const { return cache_->n_ctx(); }
  // The largest prompt accepted.
  int64_t max_prompt_tokens() const;
  // The chat format, or the error to show when there is none.
  const Result<tokenizer::ChatFormat>& chat_format() const { return chat_format_; }
  int64_t created_unix() const { return created_unix_; }

 private:
  LlmEngine() : chat_format_(Status(StatusCode::kNotFound, "")) {}
  ModelSpec spec_;
  std::unique_ptr<llm::LlamaModel> model_;
  std::unique_ptr<tokenizer::Tokenizer> tokenizer_;
  std::unique_ptr<ThreadPool> pool_;
  std::unique_ptr<ops::OpContext> ctx_;
  std::unique_ptr<llm::KvCache> cache_;
  std::unique_ptr<LlmScheduler> scheduler_;
  Result<tokenizer::ChatFormat> chat_format_;
  int64_t created_unix_ = 0;
};

}  // namespace coreinfer::server
