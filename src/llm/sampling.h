// Token sampling: logit bias, repetition/frequency/presence penalties, then greedy or
// top-k → top-p → min-p → temperature → a draw from a seeded generator (same seed, same text,
// on every platform: the generator and the uniform draw are our own, not <random>'s).
#pragma once

#include <cstdint>
#include <span>
#include <unordered_map>
#include <vector>

#include "core/status.h"

namespace coreinfer::llm {

struct SamplingParams {
  float temperature = 0.8f;  // <= 0: greedy
  int32_t top_k = 40;        // <= 0: off
  float top_p = 0.95f;       // >= 1: off
  float min_p = 0.05f;       // <= 0: off
  float repeat_penalty = 1.0f;  // 1: off (divides positive logits, multiplies negative ones)
  int32_t repeat_last_n = 64;   // how many recent tokens the penalties look at (-1: all)
  float frequency_penalty = 0.0f;
  float presence_penalty = 0.0f;
  uint64_t seed = 0;
  std::unordered_map<int32_t, float> logit_bias;

  Status validate(int64_t vocab_size) const;
};

// xoshiro256** seeded through splitmix64.
class Rng {
 public:
  explicit Rng(uint64_t seed);
  uint64_t next();
  double uniform();  // [0, 1) with 53 random bits

 private:
  uint64_t s_[4];
};

struct TokenProb {
  int32_t token;
  float logprob;  // log-softmax of the final (penalised, tempered) distribution
};

class Sampler {
 public:
  Sampler(SamplingParams params, int64_t vocab_size);

  // Picks the next token from `logits` (modified in place) given the tokens so far.
  int32_t sample(float* logits, std::span<const int32_t> history);

  // The top `n` alternatives of the last sample() call with their log-probabilities, and the
  // log-probability of the chosen token, over the distribution after penalties and
  // temperature (greedy: temperature 1).
  std::vector<TokenProb> top_logprobs(const float* logits, int n) const;

  const SamplingParams& params() const { return params_; }

 private:
  void apply_penalties(float* logits, std::span<const int32_t> history);

  SamplingParams params_;
  int64_t vocab_size_;
  Rng rng_;
  std::vector<std::pair<float, int32_t>> candidates_;  // reused across calls: no per-token allocation
  std::vector<double> probs_;
  std::unordered_map<int32_t, int32_t> counts_;
};

}  // namespace coreinfer::llm
