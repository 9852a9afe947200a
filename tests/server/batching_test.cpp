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

}  // namespace
}  // namespace coreinfer::testing
