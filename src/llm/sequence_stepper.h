// The per-token half of a generation, one step at a time: given the logits of the last
// computed position, sample, check end-of-generation, detokenize, hold back and find stop
// strings, enforce the token and context limits. Generator runs one sequence with it; the
// server's scheduler interleaves many.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "core/status.h"
#include "llm/generation_request.h"
#include "llm/sampling.h"
#include "llm/stop_strings.h"
#include "llm/tokenizer/streaming_detokenizer.h"
#include "llm/tokenizer/tokenizer.h"

namespace coreinfer::llm {

struct TokenLogprob {
  int32_t token = 0;
  float logprob = 0;
  std::vector<TokenProb> top;  // the `top_logprobs` most likely alternatives
};

// Text that became displayable in one step, and the tokens it came from.
struct Delta {
  std::string text;
  std::vector<TokenLogprob> logprobs;  // empty unless asked for
};

class SequenceStepper {
 public:
  // `tokenizer` must outlive this object.
  SequenceStepper(GenerationRequest request, const tokenizer::Tokenizer& tokenizer, int64_t vocab_size, int64_t n_ctx);

  // One step from `logits` (modified in place). Returns what became displayable.
  Delta step(float* logits);
  // Ends the sequence without a step (e.g. max_tokens 0): flushes held-back text.
  Delta finish_now(const std::string& reason);

  bool done() const { return done_; }
  const std::string& finish_reason() const { return finish_reason_; }
  const Status& error() const { return error_; }
  // The token to compute next and its position (valid while !done()).
  int32_t next_token() const { return history_.back(); }
  int32_t next_pos() const { return static_cast<int32_t>(history_.size()) - 1; }
  int generated() const { return generated_; }
  // The generated ids so far.
  std::span<const int32_t> tokens() const {
    return std::span<const int32_t>(history_).subspan(history_.size() - static_cast<size_t>(generated_));
  }

 private:
  void flush_into(Delta& d);

  GenerationRequest job_;
  const tokenizer::Tokenizer& tokenizer_;
  int64_t vocab_;
  int64_t n_ctx_;
  Sampler sampler_;
  tokenizer::StreamingDetokenizer detok_;
  StopStringMatcher stops_;
  std::vector<int32_t> history_;
  int generated_ = 0;
  bool done_ = false;
  std::string finish_reason_;
  Status error_;
};

}  // namespace coreinfer::llm
