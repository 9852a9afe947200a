// One text generation on one KV-cache slot: prompt prefill in chunks, then token by token
// with sampling, end-of-generation tokens, stop strings and a token limit, streaming
// complete UTF-8 text to a callback.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "llm/generation_request.h"
#include "llm/llama_model.h"
#include "llm/sampling.h"
#include "llm/tokenizer/tokenizer.h"

namespace coreinfer::llm {

struct GenerationResult {
  std::vector<int32_t> tokens;  // generated ids
  std::string finish_reason;    // "stop" (EOG token or stop string), "length", "cancelled"
  double prompt_seconds = 0;
  double generation_seconds = 0;  // from the first generated token's step to the last
};

// Receives text as it becomes displayable; return false to cancel the generation.
using TextCallback = std::function<bool(std::string_view text)>;

class Generator {
 public:
  static constexpr int64_t kPrefillChunk = 512;  // prompt tokens per forward call

  Generator(const LlamaModel& model, const tokenizer::Tokenizer& tokenizer, ops::OpContext& ctx, KvCache& cache,
            int32_t slot = 0);

  // The slot keeps what it computed: a prompt that starts with the tokens of the previous
  // call (a chat's history) only computes the new part.
  Result<GenerationResult> generate(const GenerationRequest& request, const TextCallback& on_text);

 private:
  std::vector<int32_t> in_cache_;  // tokens whose keys/values are in the slot, from position 0
  const LlamaModel& model_;
  const tokenizer::Tokenizer& tokenizer_;
  ops::OpContext& ctx_;
  KvCache& cache_;
  int32_t slot_;
  ForwardBuffers buffers_;
};

}  // namespace coreinfer::llm
