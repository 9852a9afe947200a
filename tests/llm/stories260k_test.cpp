// stories260K (a real trained Llama, MIT) against llama.cpp: prompt logits within the fp32
// tolerance of the reference README, and the 128-token greedy stories id for id.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "llm_test_util.h"
#include "support/test_support.h"

namespace coreinfer::testing {
namespace {

constexpr double kNmseTol = 1e-9;   // the README's F32 rule (llama.cpp vs float64: 1.3e-13)
constexpr double kMaxAbsTol = 1e-3;

TEST(Stories260K, GreedyStoriesAndLogitsMatchLlamaCpp) {
  const nlohmann::json golden = nlohmann::json::parse(read_file_text(data_path("llm/stories260K.golden.json")));
  const kernels::KernelTable& table = kernels::active();
  LoadedModel m = load_model(asset_path("models/stories260K.gguf"), table);
  ASSERT_TRUE(m.model) << m.error;
  const char* logit_files[] = {"once-upon-a-time", "lily-and-ben", "the-little-dog"};
  size_t i = 0;
  for (const auto& c : golden["cases"]) {
    SCOPED_TRACE(c["prompt"].get<std::string>());
    const auto prompt = c["prompt_ids"].get<std::vector<int32_t>>();
    ModelRunner runner(*m.model, table, 2);
    const std::vector<float> logits = runner.prompt_logits(prompt);
    const std::vector<float> expected =
        read_f32_file(data_path(std::string("llm/stories260K.") + logit_files[i++] + ".logits.f32"));
    ASSERT_EQ(logits.size(), expected.size());
    const ErrorStats e = compare(logits.data(), expected.data(), expected.size());
    EXPECT_LE(e.nmse, kNmseTol);
    EXPECT_LE(e.max_abs, kMaxAbsTol);

    ModelRunner fresh(*m.model, table, 2);
    const auto ids = fresh.greedy(prompt, c["n_new"].get<int>());
    EXPECT_EQ(ids, c["generated_ids"].get<std::vector<int32_t>>());
  }
}

}  // namespace
}  // namespace coreinfer::testing
