// Batching is invisible: 8 concurrent greedy requests return exactly what each returns alone.
#include <gtest/gtest.h>

#include <future>
#include <vector>

#include "server/server_process.h"

namespace coreinfer::testing {
namespace {

using nlohmann::json;

const std::vector<std::string> kPrompts = {"Once upon a time", "Lily and Ben", "The little dog", "One day",
                                           "Tom had a red ball", "The sun was", "Sue liked to", "A big bird"};

std::string complete(const ServerProcess& s, const std::string& model, const std::string& prompt, int n) {
  auto r = post_json(*s.client(), "/v1/completions",
                     {{"model", model}, {"prompt", prompt}, {"max_tokens", n}, {"temperature", 0}, {"ignore_eos", true}});
  if (!r || r->status != 200) return "<error " + (r ? r->body : std::string("no response")) + ">";
  return json::parse(r->body)["choices"][0]["text"];
}

void expect_batch_invariant(const std::string& model_flag, const std::string& model, int n_tokens) {
  ServerProcess s({"--model", model_flag, "--parallel", "8", "--threads", "2"});
  std::vector<std::string> alone;
  for (const std::string& p : kPrompts) alone.push_back(complete(s, model, p, n_tokens));
  for (int round = 0; round < 2; ++round) {
    std::vector<std::future<std::string>> together;
    for (const std::string& p : kPrompts) {
      together.push_back(std::async(std::launch::async, [&, p] { return complete(s, model, p, n_tokens); }));
    }
    for (size_t i = 0; i < kPrompts.size(); ++i) EXPECT_EQ(together[i].get(), alone[i]) << "prompt " << i << " round " << round;
  }
  // The concurrent rounds really decoded several sequences per forward call.
  const std::string m = s.client()->Get("/metrics")->body;
  const std::string le1 = "coreinfer_batch_size_bucket{model=\"" + model + "\",phase=\"decode\",le=\"1\"} ";
  const std::string all = "coreinfer_batch_size_count{model=\"" + model + "\",phase=\"decode\"} ";
  const double ones = std::atof(m.c_str() + m.find(le1) + le1.size());
  const double total = std::atof(m.c_str() + m.find(all) + all.size());
  EXPECT_LT(ones, total) << "no decode step had more than one sequence";
}

TEST(Batching, ConcurrentGreedyRequestsEqualSoloRunsStories) {
  expect_batch_invariant("stories=" + stories_model(), "stories", 64);
}

TEST(Batching, ConcurrentGreedyRequestsEqualSoloRunsTinyQuantised) {
  expect_batch_invariant("tiny=" + tiny_model(), "tiny", 48);
}

// A KV-cache pool smaller than parallel x ctx (--kv-cache-tokens 64: four blocks of 16): a prompt
// larger than the pool is refused with 400, a sequence that outgrows the pool stops with
// finish_reason "length", short requests side by side still fit, and every block comes back.
TEST(Batching, SmallKvCachePoolLimitsSequencesCleanly) {
  ServerProcess s({"--model", "stories=" + stories_model(), "--parallel", "2", "--threads", "2", "--kv-cache-tokens", "64"});
  std::string long_prompt;
  for (int i = 0; i < 40; ++i) long_prompt += "Once upon a time ";
  auto r = post_json(*s.client(), "/v1/completions", {{"model", "stories"}, {"prompt", long_prompt}, {"max_tokens", 4}});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400) << r->body;

  r = post_json(*s.client(), "/v1/completions",
                {{"model", "stories"}, {"prompt", "Once upon a time"}, {"max_tokens", 200}, {"temperature", 0},
                 {"ignore_eos", true}});
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  const json body = json::parse(r->body);
  EXPECT_EQ(body["choices"][0]["finish_reason"], "length");
  // 64 positions in the cache; the last token sampled is never fed back, so it needs none.
  EXPECT_LE(body["usage"]["prompt_tokens"].get<int>() + body["usage"]["completion_tokens"].get<int>(), 65);
  EXPECT_GE(body["usage"]["prompt_tokens"].get<int>() + body["usage"]["completion_tokens"].get<int>(), 60);

  std::vector<std::future<std::string>> two;
  for (const char* p : {"Lily and Ben", "The little dog"})
    two.push_back(std::async(std::launch::async, [&, p] { return complete(s, "stories", p, 16); }));
  for (auto& f : two) EXPECT_EQ(f.get().rfind("<error", 0), std::string::npos);

  const std::string m = s.client()->Get("/metrics")->body;
  EXPECT_NE(m.find("coreinfer_kv_cache_tokens{model=\"stories\"} 0"), std::string::npos) << "blocks still held";
  EXPECT_EQ(s.client()->Get("/v2/health/ready")->status, 200);
}

}  // namespace
}  // namespace coreinfer::testing
