#include "llm/sampling.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace coreinfer::llm {

Status SamplingParams::validate(int64_t vocab_size) const {
  if (!(temperature >= 0.0f) || !std::isfinite(temperature)) return invalid_argument("temperature must be >= 0");
  if (!(top_p > 0.0f && top_p <= 1.0f)) return invalid_argument("top_p must be in (0, 1]");
  if (!(min_p >= 0.0f && min_p <= 1.0f)) return invalid_argument("min_p must be in [0, 1]");
  if (!(repeat_penalty > 0.0f) || !std::isfinite(repeat_penalty)) return invalid_argument("repeat_penalty must be > 0");
  if (!std::isfinite(frequency_penalty) || !std::isfinite(presence_penalty)) {
    return invalid_argument("penalties must be finite numbers");
  }
  if (repeat_last_n < -1) return invalid_argument("repeat_last_n must be >= -1");
  for (const auto& [token, bias] : logit_bias) {
    if (token < 0 || token >= vocab_size) {
      return invalid_argument("logit_bias names token " + std::to_string(token) + ", outside the vocabulary");
    }
    if (std::isnan(bias)) return invalid_argument("logit_bias values must be numbers");
  }
  return Status::ok();
}

namespace {
uint64_t splitmix64(uint64_t& x) {
  uint64_t z = (x += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}
uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
}  // namespace

Rng::Rng(uint64_t seed) {
  for (uint64_t& s : s_) s = splitmix64(seed);
}

uint64_t Rng::next() {
  const uint64_t result = rotl(s_[1] * 5, 7) * 9;
  const uint64_t t = s_[1] << 17;
  s_[2] ^= s_[0];
  s_[3] ^= s_[1];
  s_[1] ^= s_[2];
  s_[0] ^= s_[3];
  s_[2] ^= t;
  s_[3] = rotl(s_[3], 45);
  return result;
}

double Rng::uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }

Sampler::Sampler(SamplingParams params, int64_t vocab_size)
    : params_(std::move(params)), vocab_size_(vocab_size), rng_(params_.seed) {}

void Sampler::apply_penalties(float* logits, std::span<const int32_t> history) {
  for (const auto& [token, bias] : params_.logit_bias) logits[token] += bias;
  const bool any = params_.repeat_penalty != 1.0f || params_.frequency_penalty != 0.0f ||
                   params_.presence_penalty != 0.0f;
  if (!any || history.empty() || params_.repeat_last_n == 0) return;
  size_t window = history.size();
  if (params_.repeat_last_n > 0) window = std::min(window, static_cast<size_t>(params_.repeat_last_n));
  counts_.clear();
  for (int32_t t : history.subspan(history.size() - window)) {
    if (t >= 0 && t < vocab_size_) ++counts_[t];
  }
  for (const auto& [token, count] : counts_) {
    float& l = logits[token];
    if (params_.repeat_penalty != 1.0f) l = l > 0 ? l / params_.repeat_penalty : l * params_.repeat_penalty;
    l -= static_cast<float>(count) * params_.frequency_penalty + params_.presence_penalty;
  }
}

int32_t Sampler::sample(float* logits, std::span<const int32_t> history) {
  apply_penalties(logits, history);
  if (params_.temperature <= 0.0f) {
    // Greedy; ties go to the lowest id.
    return static_cast<int32_t>(std::max_element(logits, logits + vocab_size_) - logits);
  }
  candidates_.resize(static_cast<size_t>(vocab_size_));
  for (int64_t i = 0; i < vocab_size_; ++i) candidates_[static_cast<size_t>(i)] = {logits[i], static_cast<int32_t>(i)};
  auto by_logit = [](const auto& a, const auto& b) { return a.first > b.first || (a.first == b.first && a.second < b.second); };

  size_t n = candidates_.size();
  if (params_.top_k > 0 && static_cast<size_t>(params_.top_k) < n) {
    std::partial_sort(candidates_.begin(), candidates_.begin() + params_.top_k, candidates_.end(), by_logit);
    n = static_cast<size_t>(params_.top_k);
  } else {
    std::sort(candidates_.begin(), candidates_.end(), by_logit);
  }
  // Softmax of the (untempered) survivors for the nucleus and min-p filters.
  const float max_logit = candidates_[0].first;
  probs_.resize(n);
  std::vector<double>& probs = probs_;
  double sum = 0;
  for (size_t i = 0; i < n; ++i) sum += probs[i] = std::exp(static_cast<double>(candidates_[i].first - max_logit));
  if (params_.top_p < 1.0f) {
    double cum = 0;
    for (size_t i = 0; i < n; ++i) {
      cum += probs[i] / sum;
      if (cum >= params_.top_p) {
        n = i + 1;
        break;
      }
    }
  }
  if (params_.min_p > 0.0f) {
    const double floor = params_.min_p * probs[0];
    size_t keep = 1;
    while (keep < n && probs[keep] >= floor) ++keep;
    n = keep;
  }
  // Temperature, then a draw.
  double total = 0;
  for (size_t i = 0; i < n; ++i) {
    probs[i] = std::exp(static_cast<double>(candidates_[i].first - max_logit) / params_.temperature);
    total += probs[i];
  }
  double r = rng_.uniform() * total;
  for (size_t i = 0; i < n; ++i) {
    r -= probs[i];
    if (r < 0) return candidates_[i].second;
  }
  return candidates_[n - 1].second;
}

std::vector<TokenProb> Sampler::top_logprobs(const float* logits, int n) const {
  const double t = params_.temperature > 0 ? params_.temperature : 1.0;
  const float max_logit = *std::max_element(logits, logits + vocab_size_);
  double sum = 0;
  for (int64_t i = 0; i < vocab_size_; ++i) sum += std::exp((logits[i] - max_logit) / t);
  const double log_sum = std::log(sum);
  std::vector<TokenProb> all(static_cast<size_t>(vocab_size_));
  for (int64_t i = 0; i < vocab_size_; ++i) {
    all[static_cast<size_t>(i)] = {static_cast<int32_t>(i), static_cast<float>((logits[i] - max_logit) / t - log_sum)};
  }
  const size_t k = std::min<size_t>(static_cast<size_t>(std::max(n, 0)), all.size());
  std::partial_sort(all.begin(), all.begin() + static_cast<std::ptrdiff_t>(k), all.end(),
                    [](const TokenProb& a, const TokenProb& b) { return a.logprob > b.logprob || (a.logprob == b.logprob && a.token < b.token); });
  all.resize(k);
  return all;
}

}  // namespace coreinfer::llm
