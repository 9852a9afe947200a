#include "cli/model_loading.h"

#include <algorithm>

#include "kernels/kernel_table.h"

namespace coreinfer::cli {

Result<std::unique_ptr<tokenizer::Tokenizer>> load_tokenizer(const std::string& path) {
  CI_ASSIGN_OR_RETURN(auto file, gguf::GgufFile::open(path));
  CI_ASSIGN_OR_RETURN(tokenizer::Tokenizer tok, tokenizer::Tokenizer::from_gguf(*file));
  return std::make_unique<tokenizer::Tokenizer>(std::move(tok));
}

Result<std::unique_ptr<LlmSession>> load_llm(const std::string& path, const CommonOptions& common, int64_t n_ctx,
                                             int64_t n_slots, WithTokenizer with_tokenizer) {
  auto s = std::make_unique<LlmSession>();
  CI_ASSIGN_OR_RETURN(auto file, gguf::GgufFile::open(path));
  if (with_tokenizer == WithTokenizer::kYes) {
    CI_ASSIGN_OR_RETURN(tokenizer::Tokenizer tok, tokenizer::Tokenizer::from_gguf(*file));
    s->tokenizer = std::make_unique<tokenizer::Tokenizer>(std::move(tok));
  }
  const kernels::KernelTable& table = kernels::active();
  CI_ASSIGN_OR_RETURN(s->model, llm::LlamaModel::load(std::move(file), table,
                                                     common.mmap_weights ? llm::WeightPlacement::kFileMap
                                                                         : llm::WeightPlacement::kHugePages,
                                                     common.fp32_activations ? llm::ActivationPath::kFp32
                                                                             : llm::ActivationPath::kInt8));
  const llm::ModelConfig& c = s->model->config();
  if (n_ctx > c.context_length) {
    return invalid_argument("context of " + std::to_string(n_ctx) + " tokens exceeds the model's " +
                            std::to_string(c.context_length));
  }
  if (n_ctx <= 0) n_ctx = std::min(c.context_length, kDefaultContext);
  s->pool = std::make_unique<ThreadPool>(ThreadPoolOptions{common.threads, {}, true});
  s->ctx = std::make_unique<ops::OpContext>(*s->pool, table);
  const int64_t kv_blocks = llm::KvCache::default_blocks(n_slots, n_ctx);
  try {
    s->cache = std::make_unique<llm::KvCache>(c.n_layers, n_slots, n_ctx, c.kv_dim(), kv_blocks);
  } catch (const std::bad_alloc&) {
    return out_of_range("not enough memory for a KV cache of " + std::to_string(n_ctx) + " tokens (" +
                        std::to_string(llm::KvCache::bytes_needed(c.n_layers, kv_blocks, c.kv_dim()) >> 20) +
                        " MiB); use a smaller --ctx-size");
  }
  return s;
}

}  // namespace coreinfer::cli
