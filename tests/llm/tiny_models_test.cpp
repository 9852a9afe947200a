// Golden tests: the tiny random Llama models (every weight type) against llama.cpp's recorded
// logits and greedy continuations (tests/data/llm/tiny, see LICENSES.md there). Tolerances are
// the ones the reference README and cases.json give. Both activation paths run: the default one
// (decode activations quantised to 8 bits for Q4_0/Q8_0/Q4_K/Q6_K weights and rounded to bf16 for
// BF16 weights where the CPU has a bf16 dot instruction, as llama.cpp does) is
// held to llama.cpp's logits, for the prompt as a batch and token by token (the decode kernels),
// and to its greedy text; the fp32 path keeps activations and the KV cache in fp32, so it is also
// held to the dequantised twin's logits at fp32 tolerance.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cstdlib>
#include <string>

#include "llm_test_util.h"
#include "support/test_support.h"

namespace coreinfer::testing {
namespace {

struct TinyCase {
  std::string name;
  nlohmann::json spec;
};

const nlohmann::json& cases_json() {
  static const nlohmann::json j = nlohmann::json::parse(read_file_text(data_path("llm/tiny/cases.json")));
  return j;
}

std::vector<TinyCase> all_cases() {
  std::vector<TinyCase> out;
  for (const auto& [name, spec] : cases_json()["models"].items()) out.push_back({name, spec});
  return out;
}

std::vector<int32_t> prompt_ids() { return cases_json()["prompt_ids"].get<std::vector<int32_t>>(); }

class TinyModelTest : public ::testing::TestWithParam<TinyCase> {};

void check_logits(const std::vector<float>& actual, const std::string& file, const nlohmann::json& tol,
                  const std::string& what) {
  const std::vector<float> expected = read_f32_file(data_path("llm/tiny/" + file));
  ASSERT_EQ(actual.size(), expected.size()) << what;
  const ErrorStats e = compare(actual.data(), expected.data(), expected.size());
  const double nmse_tol = tol["nmse"].get<double>();
  const double abs_tol = tol["max_abs"].get<double>();
  EXPECT_LE(e.nmse, nmse_tol) << what << ": NMSE " << e.nmse << " (max abs " << e.max_abs << ")";
  EXPECT_LE(e.max_abs, abs_tol) << what << ": max abs " << e.max_abs << " (NMSE " << e.nmse << ")";
}

// Steps of `ids` that a correct fp32 engine must reproduce: up to the first step whose
// recorded margin is below `threshold` (a margin above our ~1e-3 logit error cannot flip).
size_t robust_steps(const nlohmann::json& margins, double threshold) {
  size_t n = 0;
  while (n < margins.size() && margins[n].get<double>() >= threshold) ++n;
  return n;
}

// One model load (kernel level, activation path) through the checks of the test below.
void check_model(const TinyCase& c, kernels::Isa isa, llm::ActivationPath path) {
  const bool fp32 = path == llm::ActivationPath::kFp32;
  SCOPED_TRACE(std::string("kernels: ") + kernels::isa_name(isa) + (fp32 ? ", fp32 activations" : ", 8-bit activations"));
  const std::vector<int32_t> prompt = prompt_ids();
  kernels::KernelTable table;
  ASSERT_TRUE(kernels::build_table(isa, &table));
  LoadedModel m = load_model(data_path("llm/tiny/" + c.spec["file"].get<std::string>()), table, path);
  ASSERT_TRUE(m.model) << m.error;
  if (!fp32 && !m.model->uses_int8_path()) return;  // the same computation as the fp32 run
  for (int threads : {1, 2}) {
    SCOPED_TRACE("threads " + std::to_string(threads));
    ModelRunner runner(*m.model, table, threads);
    const std::vector<float> logits = runner.prompt_logits(prompt);
    check_logits(logits, c.spec["logits"]["file"], c.spec["tolerance"]["vs_logits"], "vs llama.cpp logits");
    if (!fp32) {
      ModelRunner stepwise(*m.model, table, threads);
      check_logits(stepwise.stepwise_logits(prompt), c.spec["logits"]["file"], c.spec["tolerance"]["vs_logits"],
                   "token by token vs llama.cpp logits");
    }
    if (fp32 && c.spec.contains("deq_logits")) {
      check_logits(logits, c.spec["deq_logits"]["file"], c.spec["tolerance"]["vs_deq_logits_fp32_engine"],
                   "vs dequantised-twin logits");
    }

    ModelRunner fresh(*m.model, table, threads);
    const std::vector<int32_t> ids = fresh.greedy(prompt, static_cast<int>(c.spec["greedy"]["ids"].size()));
    const auto expected = c.spec["greedy"]["ids"].get<std::vector<int32_t>>();
    const size_t prefix = c.spec["greedy"]["robust_prefix"].get<size_t>();
    for (size_t i = 0; i < prefix; ++i) ASSERT_EQ(ids[i], expected[i]) << "greedy step " << i;
    if (fp32 && c.spec.contains("deq_greedy")) {
      const auto deq = c.spec["deq_greedy"]["ids"].get<std::vector<int32_t>>();
      const size_t n = robust_steps(c.spec["deq_greedy"]["margins"], 0.01);
      for (size_t i = 0; i < n; ++i) ASSERT_EQ(ids[i], deq[i]) << "greedy step " << i << " vs dequantised twin";
    }
  }
}

TEST_P(TinyModelTest, LogitsAndGreedyMatchLlamaCpp) {
  // The fp32 path at the scalar level and the best one; the 8-bit path at the best level (its
  // kernels are held to the scalar ones in quant_int8_test.cpp), which keeps the emulated Arm
  // runs in the CI budget. The scalar level has no CPU-dependent code, so it computes the same on
  // every emulated CPU: scripts/test-arm.sh runs it on the first CPU model only and sets
  // COREINFER_TEST_SKIP_SCALAR=1 for the others.
  const char* skip_scalar = std::getenv("COREINFER_TEST_SKIP_SCALAR");
  const kernels::Isa best = kernels::best_supported_isa();
  std::vector<kernels::Isa> levels;
  if (best == kernels::Isa::kScalar || skip_scalar == nullptr || std::string(skip_scalar) != "1")
    levels.push_back(kernels::Isa::kScalar);
  if (best != kernels::Isa::kScalar) levels.push_back(best);
  for (kernels::Isa isa : levels) check_model(GetParam(), isa, llm::ActivationPath::kFp32);
  check_model(GetParam(), levels.back(), llm::ActivationPath::kInt8);
}

INSTANTIATE_TEST_SUITE_P(Reference, TinyModelTest, ::testing::ValuesIn(all_cases()),
                         [](const ::testing::TestParamInfo<TinyCase>& info) {
                           std::string n = info.param.name;
                           for (char& ch : n) {
                             if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
                           }
                           return n;
                         });

}  // namespace
}  // namespace coreinfer::testing
