// Loads a GGUF model and runs prompts through it for the golden tests.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "core/thread_pool.h"
#include "kernels/kernel_table.h"
#include "llm/llama_model.h"

namespace coreinfer::testing {

struct LoadedModel {
  std::unique_ptr<llm::LlamaModel> model;
  std::string error;
};
LoadedModel load_model(const std::string& path, const kernels::KernelTable& kernels,
                       llm::ActivationPath activations = llm::ActivationPath::kInt8);

class ModelRunner {
 public:
  ModelRunner(const llm::LlamaModel& model, const kernels::KernelTable& kernels, int threads, int64_t n_ctx = 256);
  // Logits of every prompt position [n][vocab], evaluating the prompt as one batch.
  std::vector<float> prompt_logits(const std::vector<int32_t>& prompt);
  // The same logits, evaluating the prompt one token per forward call (the decode path).
  std::vector<float> stepwise_logits(const std::vector<int32_t>& prompt);
  // Greedy continuation: prompt as one batch, then one token per step.
  std::vector<int32_t> greedy(const std::vector<int32_t>& prompt, int n_new);

 private:
  const llm::LlamaModel& model_;
  ThreadPool pool_;
  ops::OpContext ctx_;
  llm::KvCache cache_;
  llm::ForwardBuffers buffers_;
};

}  // namespace coreinfer::testing
