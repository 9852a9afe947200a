#include "server/llm/llm_engine.h"

#include <algorithm>
#include <chrono>

#include "kernels/kernel_table.h"

namespace coreinfer::server {
namespace {
constexpr int64_t kDefaultContext = 4096;
constexpr const char* kFallbackChatFormat = "chatml";  // for models without a chat template
}  // namespace

Result<std::unique_ptr<LlmEngine>> LlmEngine::load(const ModelSpec& spec, MetricsRegistry* metrics) {
  std::unique_ptr<LlmEngine> e(new LlmEngine());
  e->spec_ = spec;
  CI_ASSIGN_OR_RETURN(auto file, gguf::GgufFile::open(spec.path));
  CI_ASSIGN_OR_RETURN(tokenizer::Tokenizer tok, tokenizer::Tokenizer::from_gguf(*file));
  e->tokenizer_ = std::make_unique<tokenizer::Tokenizer>(std::move(tok));
  e->chat_format_ = tokenizer::choose_chat_format(tokenizer::chat_template_from_gguf(*file),
                                                  spec.chat_template.empty() ? kFallbackChatFormat : spec.chat_template);
  const kernels::KernelTable& table = kernels::active();
  CI_ASSIGN_OR_RETURN(e->model_, llm::LlamaModel::load(std::move(file), table,
                                                      spec.mmap_weights ? llm::WeightPlacement::kFileMap
                                                                        : llm::WeightPlacement::kHugePages,
                                                      spec.fp32_activations ? llm::ActivationPath::kFp32
                                                                            : llm::ActivationPath::kInt8));
  const llm::ModelConfig& c = e->model_->config();
  int64_t n_ctx = spec.ctx_size;
  if (n_ctx > c.context_length) {
    return invalid_argument("model '" + spec.name + "': a context of " + std::to_string(n_ctx) +
                            " tokens exceeds the model's " + std::to_string(c.context_length));
  }
  if (n_ctx <= 0) n_ctx = std::min(c.context_length, kDefaultContext);
  int threads = spec.threads;
  if (threads == 0 && !spec.cpus.empty()) threads = static_cast<int>(spec.cpus.size());
  e->pool_ = std::make_unique<ThreadPool>(ThreadPoolOptions{threads, spec.cpus, true});
  e->ctx_ = std::make_unique<ops::OpContext>(*e->pool_, table);
  // The paged cache's block pool: by default enough for every slot to fill its context.
  const int64_t kv_blocks = spec.kv_cache_tokens > 0 ? llm::KvCache::blocks_for(spec.kv_cache_tokens)
                                                     : llm::KvCache::default_blocks(spec.parallel, n_ctx);
  try {
    e->cache_ = std::make_unique<llm::KvCache>(c.n_layers, spec.parallel, n_ctx, c.kv_dim(), kv_blocks);
  } catch (const std::bad_alloc&) {
    return out_of_range("model '" + spec.name + "': not enough memory for a KV cache of " +
                        std::to_string(spec.parallel) + " x " + std::to_string(n_ctx) + " tokens (" +
                        std::to_string(llm::KvCache::bytes_needed(c.n_layers, kv_blocks, c.kv_dim()) >> 20) +
                        " MiB); lower ctx_size, parallel or kv_cache_tokens");
  }
  SchedulerOptions so;
  so.model_name = spec.name;
  so.queue_size = spec.queue_size;
  so.prefill_chunk = spec.prefill_chunk;
  so.max_decode_batch = spec.max_decode_batch;
  so.cpus = spec.cpus;
  e->scheduler_ = std::make_unique<LlmScheduler>(*e->model_, *e->tokenizer_, *e->ctx_, *e->pool_, *e->cache_, so, metrics);
  e->created_unix_ = std::chrono::duration_cast<std::chrono::seconds>(
                         std::chrono::system_clock::now().time_since_epoch()).count();
  return e;
}

LlmEngine::~LlmEngine() {
  if (scheduler_) scheduler_->stop();
}

int64_t LlmEngine::max_prompt_tokens() const {
  const int64_t limit = n_ctx() - 1;  // at least one position for the answer
  return spec_.max_prompt_tokens > 0 ? std::min<int64_t>(spec_.max_prompt_tokens, limit) : limit;
}

}  // namespace coreinfer::server
