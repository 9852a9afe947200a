#include "llm_test_util.h"

#include <algorithm>
#include <stdexcept>

namespace coreinfer::testing {

LoadedModel load_model(const std::string& path, const kernels::KernelTable& kernels,
                       llm::ActivationPath activations) {
  LoadedModel out;
  auto file = gguf::GgufFile::open(path);
  if (!file.is_ok()) {
    out.error = file.status().to_string();
    return out;
  }
  auto model = llm::LlamaModel::load(std::move(file).value(), kernels, llm::WeightPlacement::kHugePages, activations);
  if (!model.is_ok()) {
    out.error = model.status().to_string();
    return out;
  }
  out.model = std::move(model).value();
  return out;
}

ModelRunner::ModelRunner(const llm::LlamaModel& model, const kernels::KernelTable& kernels, int threads, int64_t n_ctx)
    : model_(model),
      pool_(ThreadPoolOptions{threads, {}, false}),
      ctx_(pool_, kernels),
      cache_(model.config().n_layers, 1, n_ctx, model.config().kv_dim()) {}

std::vector<float> ModelRunner::prompt_logits(const std::vector<int32_t>& prompt) {
  std::vector<llm::BatchToken> batch;
  for (size_t i = 0; i < prompt.size(); ++i) batch.push_back({prompt[i], static_cast<int32_t>(i), 0, true});
  std::vector<float> logits(prompt.size() * static_cast<size_t>(model_.config().vocab_size));
  Status s = model_.forward(ctx_, batch, cache_, buffers_, logits.data());
  if (!s.is_ok()) throw std::runtime_error(s.to_string());
  return logits;
}

std::vector<float> ModelRunner::stepwise_logits(const std::vector<int32_t>& prompt) {
  const size_t vocab = static_cast<size_t>(model_.config().vocab_size);
  std::vector<float> logits(prompt.size() * vocab);
  for (size_t i = 0; i < prompt.size(); ++i) {
    const llm::BatchToken token{prompt[i], static_cast<int32_t>(i), 0, true};
    Status s = model_.forward(ctx_, std::span<const llm::BatchToken>(&token, 1), cache_, buffers_, logits.data() + i * vocab);
    if (!s.is_ok()) throw std::runtime_error(s.to_string());
  }
  return logits;
}

std::vector<int32_t> ModelRunner::greedy(const std::vector<int32_t>& prompt, int n_new) {
  const int64_t vocab = model_.config().vocab_size;
  std::vector<llm::BatchToken> batch;
  for (size_t i = 0; i < prompt.size(); ++i) {
    batch.push_back({prompt[i], static_cast<int32_t>(i), 0, i + 1 == prompt.size()});
  }
  std::vector<float> logits(static_cast<size_t>(vocab));
  std::vector<int32_t> out;
  int32_t pos = static_cast<int32_t>(prompt.size());
  for (int step = 0; step < n_new; ++step) {
    Status s = model_.forward(ctx_, batch, cache_, buffers_, logits.data());
    if (!s.is_ok()) throw std::runtime_error(s.to_string());
    const int32_t next = static_cast<int32_t>(std::max_element(logits.begin(), logits.end()) - logits.begin());
    out.push_back(next);
    batch = {{next, pos++, 0, true}};
  }
  return out;
}

}  // namespace coreinfer::testing
