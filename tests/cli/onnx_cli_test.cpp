// The ONNX side of the command line: image classification, tensors in and out, conformance, bench.
#if defined(COREINFER_WITH_ONNX)
#include <gtest/gtest.h>

#include <filesystem>
#include <sstream>

#include <nlohmann/json.hpp>
#include <unistd.h>

#include "cli/cli_runner.h"
#include "support/test_support.h"

namespace coreinfer::testing {
namespace {

std::string onnx_case(const std::string& c) { return data_path("onnx/" + c); }

std::string first_line(const std::string& s) { return s.substr(0, s.find('\n')); }

TEST(CliOnnx, ClassifiesImagenetImagesWithTheInt8Model) {
  // Top-1 classes from the reference README (ORT's softmax): coffee -> 967 espresso, chelsea -> 285.
  const struct {
    const char* image;
    const char* top1;
  } cases[] = {{"coffee.png", "1 967 "}, {"chelsea.png", "1 285 "}};
  for (const auto& c : cases) {
    const CommandResult r = run_coreinfer({"run", "-m", onnx_case("mobilenetv2-12-int8/model.onnx"), "--image",
                                           onnx_case(std::string("images/") + c.image), "--labels",
                                           onnx_case("imagenet_classes.txt"), "--top", "3"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(first_line(r.out).rfind(c.top1, 0), 0u) << r.out;
    EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 3);
  }
  const CommandResult r = run_coreinfer({"run", "-m", onnx_case("mobilenetv2-12-int8/model.onnx"), "--image",
                                         onnx_case("images/coffee.png"), "--labels", onnx_case("imagenet_classes.txt")});
  EXPECT_NE(first_line(r.out).find("espresso"), std::string::npos) << r.out;
}

TEST(CliOnnx, ClassifiesTheMnistDigitWithPlainScaling) {
  const CommandResult r = run_coreinfer({"run", "-m", onnx_case("mnist-8/model.onnx"), "--image",
                                         onnx_case("images/mnist_nine.bmp"), "--resize", "0", "--crop", "0", "--mean",
                                         "0", "--std", "1", "--top", "1"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out.rfind("1 9 ", 0), 0u) << r.out;
}

TEST(CliOnnx, TensorsInAndOut) {
  namespace fs = std::filesystem;
  const fs::path out = fs::temp_directory_path() / ("ci_cli_onnx_" + std::to_string(::getpid()));
  const std::string set = onnx_case("ncf-movielens/test_data_set_1/");
  const CommandResult r = run_coreinfer({"run", "-m", onnx_case("ncf-movielens/model.onnx"), "--input",
                                         "user_input_0=" + set + "input_0.pb", "--input",
                                         "item_input_0=" + set + "input_1.pb", "--output-dir", out.string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::vector<fs::path> written;
  for (const auto& e : fs::directory_iterator(out)) written.push_back(e.path());
  ASSERT_EQ(written.size(), 1u);
  EXPECT_EQ(read_file_bytes(written[0].string()).size() > 8, true);
  fs::remove_all(out);
}

TEST(CliOnnx, ConformancePrintsOneLinePerCaseAndTotals) {
  const CommandResult r = run_coreinfer({"conformance", onnx_case("resnet-tiny-random"), onnx_case("mnist-8")});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("PASS resnet-tiny-random (2 data sets)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("2 passed, 0 failed, 0 skipped"), std::string::npos) << r.out;
  // A tolerance of zero must make a float model fail (the check is live).
  const CommandResult strict = run_coreinfer({"conformance", "--rtol", "0", "--atol", "0", onnx_case("minilm-l2-h128-random")});
  EXPECT_NE(strict.exit_code, 0);
  EXPECT_NE(strict.out.find("FAIL minilm-l2-h128-random"), std::string::npos) << strict.out;
}

TEST(CliOnnx, BenchPrintsOneJsonObjectPerBatch) {
  const CommandResult r = run_coreinfer(
      {"bench", "-m", onnx_case("resnet-tiny-random/model.onnx"), "--batch", "1,3", "-t", "1", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::istringstream lines(r.out);
  int n = 0;
  for (std::string line; std::getline(lines, line); ++n) {
    const auto j = nlohmann::json::parse(line);
    for (const char* key : {"batch", "p50_ms", "p90_ms", "items_per_s", "threads"}) ASSERT_TRUE(j.contains(key)) << key;
    EXPECT_EQ(j["batch"].get<int>(), n == 0 ? 1 : 3);
    EXPECT_GT(j["items_per_s"].get<double>(), 0);
  }
  EXPECT_EQ(n, 2);
}

TEST(CliOnnx, BenchProfileListsTheOperatorsOnStderr) {
  const CommandResult r = run_coreinfer(
      {"bench", "-m", onnx_case("resnet-tiny-random/model.onnx"), "--batch", "2", "-t", "1", "-r", "3", "--profile"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("profile, batch 2 (3 runs; ms per run)"), std::string::npos) << r.err;
  // (NchwcConv where the blocked layout pass ran: AVX-512)
  EXPECT_TRUE(r.err.find("\nConv ") != std::string::npos || r.err.find("\nNchwcConv ") != std::string::npos) << r.err;
  EXPECT_NE(r.err.find("slowest nodes:"), std::string::npos) << r.err;
  EXPECT_NE(r.out.find("batch 2: p50"), std::string::npos) << r.out;
}

TEST(CliOnnx, UserErrorsAreOneLine) {
  const std::string model = onnx_case("ncf-movielens/model.onnx");
  const struct {
    std::vector<std::string> args;
    const char* expect;
  } cases[] = {
      {{"run", "-m", model}, "--image"},
      {{"run", "-m", data_path("onnx/LICENSES.md") + ".onnx"}, "--image"},
      {{"run", "-m", onnx_case("mnist-8/test_data_set_0/input_0.pb") + ".onnx", "--input", "x.pb"}, "cannot open"},
      {{"run", "-m", model, "--input", "user_input_0=" + onnx_case("mnist-8/test_data_set_0/input_0.pb"), "--input",
        "item_input_0=" + onnx_case("mnist-8/test_data_set_0/input_0.pb")},
       "must be int64"},
      {{"run", "-m", onnx_case("mnist-8/model.onnx"), "--image", data_path("onnx/LICENSES.md")}, "image"},
  };
  for (const auto& c : cases) {
    const CommandResult r = run_coreinfer(c.args);
    EXPECT_NE(r.exit_code, 0);
    EXPECT_NE(r.err.find(c.expect), std::string::npos) << r.err;
    EXPECT_LE(std::count(r.err.begin(), r.err.end(), '\n'), 2) << r.err;
  }
}

}  // namespace
}  // namespace coreinfer::testing
#endif
