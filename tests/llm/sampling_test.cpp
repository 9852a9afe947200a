#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "llm/sampling.h"
#include "llm/stop_strings.h"

namespace coreinfer::llm {
namespace {

SamplingParams plain(float temperature, uint64_t seed = 1) {
  SamplingParams p;
  p.temperature = temperature;
  p.top_k = 0;
  p.top_p = 1.0f;
  p.min_p = 0.0f;
  p.seed = seed;
  return p;
}

std::vector<int> draw_counts(SamplingParams p, std::vector<float> logits, int n) {
  Sampler s(p, static_cast<int64_t>(logits.size()));
  std::vector<int> counts(logits.size());
  for (int i = 0; i < n; ++i) {
    std::vector<float> l = logits;
    ++counts[static_cast<size_t>(s.sample(l.data(), {}))];
  }
  return counts;
}

const std::vector<float> kThree = {std::log(0.5f), std::log(0.3f), std::log(0.2f)};

TEST(Sampling, GreedyTakesArgmaxAndTiesGoToTheLowestId) {
  Sampler s(plain(0.0f), 4);
  std::vector<float> l = {1.0f, 3.0f, 3.0f, -2.0f};
  EXPECT_EQ(s.sample(l.data(), {}), 1);
}

TEST(Sampling, TemperatureOneFollowsTheSoftmax) {
  const int n = 20000;
  const auto counts = draw_counts(plain(1.0f), kThree, n);
  EXPECT_NEAR(counts[0] / double(n), 0.5, 0.02);
  EXPECT_NEAR(counts[1] / double(n), 0.3, 0.02);
  EXPECT_NEAR(counts[2] / double(n), 0.2, 0.02);
}

TEST(Sampling, LowTemperatureSharpens) {
  const auto counts = draw_counts(plain(0.1f), kThree, 2000);
  EXPECT_GT(counts[0], 1970);  // p0 = 0.5^10 / (0.5^10 + 0.3^10 + 0.2^10) = 0.994
}

TEST(Sampling, SameSeedSameSequenceOtherSeedOther) {
  auto sequence = [](uint64_t seed) {
    Sampler s(plain(1.0f, seed), 3);
    std::vector<int32_t> out;
    for (int i = 0; i < 64; ++i) {
      std::vector<float> l = kThree;
      out.push_back(s.sample(l.data(), {}));
    }
    return out;
  };
  EXPECT_EQ(sequence(42), sequence(42));
  EXPECT_NE(sequence(42), sequence(43));
}

TEST(Sampling, TopKTopPAndMinPCutTheTail) {
  SamplingParams k1 = plain(1.0f);
  k1.top_k = 1;
  EXPECT_EQ(draw_counts(k1, kThree, 500)[0], 500);

  SamplingParams p = plain(1.0f);
  p.top_p = 0.6f;  // 0.5 < 0.6 <= 0.8: tokens 0 and 1
  auto counts = draw_counts(p, kThree, 5000);
  EXPECT_EQ(counts[2], 0);
  EXPECT_GT(counts[1], 0);

  SamplingParams m = plain(1.0f);
  m.min_p = 0.5f;  // floor 0.25: 0.3 survives, 0.2 does not
  counts = draw_counts(m, kThree, 5000);
  EXPECT_EQ(counts[2], 0);
  EXPECT_GT(counts[1], 0);
}

TEST(Sampling, PenaltiesAndLogitBias) {
  SamplingParams p = plain(0.0f);
  p.repeat_penalty = 2.0f;
  p.frequency_penalty = 0.5f;
  p.presence_penalty = 0.25f;
  p.logit_bias[3] = -std::numeric_limits<float>::infinity();
  Sampler s(p, 4);
  std::vector<float> l = {2.0f, -1.0f, 1.5f, 100.0f};
  const std::vector<int32_t> history = {0, 0, 1};
  const int32_t t = s.sample(l.data(), history);
  // token 0: 2/2 - 2*0.5 - 0.25 = -0.25; token 1: -1*2 - 0.5 - 0.25 = -2.75; token 2 untouched.
  EXPECT_FLOAT_EQ(l[0], -0.25f);
  EXPECT_FLOAT_EQ(l[1], -2.75f);
  EXPECT_FLOAT_EQ(l[2], 1.5f);
  EXPECT_EQ(t, 2);
}

TEST(Sampling, RepeatWindowLimitsThePenalty) {
  SamplingParams p = plain(0.0f);
  p.presence_penalty = 1.0f;
  p.repeat_last_n = 1;
  Sampler s(p, 2);
  std::vector<float> l = {0.0f, 0.0f};
  const std::vector<int32_t> history = {0, 1};
  s.sample(l.data(), history);
  EXPECT_FLOAT_EQ(l[0], 0.0f);  // outside the window
  EXPECT_FLOAT_EQ(l[1], -1.0f);
}

TEST(Sampling, ValidateRejectsNonsense) {
  SamplingParams p;
  p.temperature = -1;
  EXPECT_FALSE(p.validate(10).is_ok());
  p = {};
  p.top_p = 0;
  EXPECT_FALSE(p.validate(10).is_ok());
  p = {};
  p.logit_bias[10] = 1;
  EXPECT_FALSE(p.validate(10).is_ok());
  p = {};
  p.repeat_penalty = std::nanf("");
  EXPECT_FALSE(p.validate(10).is_ok());
  EXPECT_TRUE(SamplingParams{}.validate(10).is_ok());
}

TEST(Sampling, TopLogprobsAreNormalisedAndSorted) {
  Sampler s(plain(1.0f), 3);
  const auto top = s.top_logprobs(kThree.data(), 2);
  ASSERT_EQ(top.size(), 2u);
  EXPECT_EQ(top[0].token, 0);
  EXPECT_NEAR(top[0].logprob, std::log(0.5), 1e-5);
  EXPECT_NEAR(top[1].logprob, std::log(0.3), 1e-5);
}

TEST(StopStrings, HoldsBackPartialMatchesAndCutsAtTheStop) {
  StopStringMatcher m({"\nUser:", "###"});
  std::string shown;
  for (const char* piece : {"Hello", " world", "\nUs", "er", ": next"}) shown += m.push(piece);
  EXPECT_TRUE(m.stopped());
  EXPECT_EQ(shown, "Hello world");
  EXPECT_EQ(m.push("more"), "");
}

TEST(StopStrings, ReleasesTextThatTurnsOutNotToBeAStop) {
  StopStringMatcher m({"###"});
  std::string shown = m.push("a#");
  EXPECT_EQ(shown, "a");
  shown += m.push("#b");
  EXPECT_EQ(shown, "a##b");
  shown += m.push("#");
  shown += m.flush();
  EXPECT_FALSE(m.stopped());
  EXPECT_EQ(shown, "a##b#");
}

TEST(StopStrings, NoStopsPassesEverythingThrough) {
  StopStringMatcher m({});
  EXPECT_EQ(m.push("abc"), "abc");
  EXPECT_EQ(m.flush(), "");
}

}  // namespace
}  // namespace coreinfer::llm
