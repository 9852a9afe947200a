#include "llm/sequence_stepper.h"

#include <algorithm>
#include <cmath>

namespace coreinfer::llm {
namespace {

// log-softmax of one entry at the sampler's temperature (1 when greedy), as
// Sampler::top_logprobs computes it.
float logprob_of(const float* logits, int64_t vocab, int32_t token, float temperature) {
  const double t = temperature > 0 ? temperature : 1.0;
  const float max_logit = *std::max_element(logits, logits + vocab);
  double sum = 0;
  for (int64_t i = 0; i < vocab; ++i) sum += std::exp((logits[i] - max_logit) / t);
  return static_cast<float>((logits[token] - max_logit) / t - std::log(sum));
}

}  // namespace

SequenceStepper::SequenceStepper(GenerationRequest job, const tokenizer::Tokenizer& tokenizer, int64_t vocab_size,
                                 int64_t n_ctx)
    : job_(std::move(job)),
      tokenizer_(tokenizer),
      vocab_(vocab_size),
      n_ctx_(n_ctx),
      sampler_(job_.sampling, vocab_size),
      detok_(tokenizer),
      stops_(job_.stop),
      history_(job_.prompt) {}

void SequenceStepper::flush_into(Delta& d) {
  if (!stops_.stopped()) {
    d.text += stops_.push(detok_.flush());
    d.text += stops_.flush();
  }
}

Delta SequenceStepper::finish_now(const std::string& reason) {
  Delta d;
  flush_into(d);
  done_ = true;
  finish_reason_ = stops_.stopped() ? "stop" : reason;
  return d;
}

Delta SequenceStepper::step(float* logits) {
  Delta d;
  if (done_) return d;
  const int32_t token = sampler_.sample(logits, history_);
  if (job_.top_logprobs >= 0) {
    TokenLogprob lp;
    lp.token = token;
    lp.logprob = logprob_of(logits, vocab_, token, sampler_.params().temperature);
    lp.top = sampler_.top_logprobs(logits, job_.top_logprobs);
    d.logprobs.push_back(std::move(lp));
  }
  if (!job_.ignore_eos && tokenizer_.is_end_of_generation(token)) {
    d.logprobs.clear();  // the end token is not part of the answer
    Delta rest = finish_now("stop");
    d.text += rest.text;
    return d;
  }
  history_.push_back(token);
  ++generated_;
  auto piece = detok_.push(token);
  if (!piece.is_ok()) {
    done_ = true;
    finish_reason_ = "error";
    error_ = piece.status();
    return d;
  }
  d.text = stops_.push(*piece);
  if (stops_.stopped()) {
    done_ = true;
    finish_reason_ = "stop";
    return d;
  }
  if (generated_ >= job_.max_tokens || next_pos() >= n_ctx_) {
    Delta rest = finish_now("length");
    d.text += rest.text;
  }
  return d;
}

}  // namespace coreinfer::llm
