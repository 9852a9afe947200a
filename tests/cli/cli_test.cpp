// Black-box tests of the coreinfer command line.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>

#include "cli/cli_runner.h"
#include "support/test_support.h"

namespace coreinfer::testing {
namespace {

const std::string kStories = asset_path("models/stories260K.gguf");

size_t count_lines(const std::string& s) { return static_cast<size_t>(std::count(s.begin(), s.end(), '\n')); }

TEST(Cli, RunReproducesTheGoldenStoryExactly) {
  const nlohmann::json golden = nlohmann::json::parse(read_file_text(data_path("llm/stories260K.golden.json")));
  for (const auto& c : golden["cases"]) {
    const CommandResult r = run_coreinfer({"run", "-m", kStories, "-p", c["prompt"].get<std::string>(), "-n",
                                           std::to_string(c["n_new"].get<int>()), "--temp", "0", "--ignore-eos"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.out, c["generated_text"].get<std::string>() + "\n");
    EXPECT_NE(r.err.find("generation: 128 tokens"), std::string::npos) << r.err;
  }
}

TEST(Cli, SameSeedSameText) {
  const std::vector<std::string> args = {"run", "-m", kStories, "-p", "Lily", "-n", "40", "--temp", "1.0", "--seed", "7"};
  const CommandResult a = run_coreinfer(args), b = run_coreinfer(args);
  ASSERT_EQ(a.exit_code, 0) << a.err;
  EXPECT_EQ(a.out, b.out);
  std::vector<std::string> other = args;
  other.back() = "8";
  EXPECT_NE(run_coreinfer(other).out, a.out);
}

TEST(Cli, ChatNeedsATemplateAndAnswersEachLine) {
  CommandResult r = run_coreinfer({"chat", "-m", kStories}, "Hello\n");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("no chat template"), std::string::npos) << r.err;

  r = run_coreinfer({"chat", "-m", kStories, "--chat-template", "nonsense"}, "Hello\n");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("llama3"), std::string::npos) << "the error should list the supported formats: " << r.err;

  r = run_coreinfer({"chat", "-m", kStories, "--chat-template", "llama2", "--temp", "0", "-n", "16"},
                    "Tell me a story\nAnd another one\n");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_GE(count_lines(r.out), 2u) << r.out;  // each answer ends with a newline
  EXPECT_NE(r.err.find("chat format: llama2"), std::string::npos) << r.err;
}

TEST(Cli, TokenizePrintsIdsOnOneLine) {
  CommandResult r = run_coreinfer({"tokenize", "-m", kStories}, "Once upon a time");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "1 403 407 261 378\n");
  r = run_coreinfer({"tokenize", "-m", kStories, "--no-bos"}, "Once upon a time");
  EXPECT_EQ(r.out, "403 407 261 378\n");
}

TEST(Cli, InfoShowsMetadataTensorsAndParameters) {
  const CommandResult r = run_coreinfer({"info", kStories});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("general.architecture"), std::string::npos);
  EXPECT_NE(r.out.find("blk.4.ffn_down.weight"), std::string::npos);
  EXPECT_NE(r.out.find("parameters: 292800"), std::string::npos) << r.out;
}

TEST(Cli, InfoCpuNamesTheKernels) {
  const CommandResult r = run_coreinfer({"info", "--cpu"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("kernels:"), std::string::npos);
  EXPECT_NE(r.out.find("Q4_K"), std::string::npos);
}

TEST(Cli, BenchJsonHasTheFields) {
  const CommandResult r = run_coreinfer({"bench", "-m", kStories, "-p", "16", "-n", "8", "-r", "1", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const nlohmann::json j = nlohmann::json::parse(r.out);
  for (const char* key : {"pp_tps", "tg_tps", "bandwidth_gbs", "bound_fraction", "threads"}) {
    ASSERT_TRUE(j.contains(key)) << key;
  }
  EXPECT_GT(j["tg_tps"].get<double>(), 0);
  EXPECT_GT(j["bandwidth_gbs"].get<double>(), 0);
}

TEST(Cli, UserErrorsGiveOneLineAndNonZeroExit) {
  struct Case {
    std::vector<std::string> args;
    std::string expect;
  };
  const std::vector<Case> cases = {
      {{"run", "-m", "/nonexistent.gguf", "-p", "x"}, "no such file"},
      {{"run", "-m", data_path("llm/LICENSES.md"), "-p", "x"}, "not a GGUF file"},
      {{"info", asset_path("models/LICENSE-stories260K.md")}, "not a GGUF file"},
      {{"run", "-m", kStories, "-p", "x", "--temp", "-1"}, "--temp"},
      {{"run", "-m", kStories, "-p", "x", "--bogus"}, "bogus"},
      {{"run", "-p", "x"}, "--model"},
  };
  for (const Case& c : cases) {
    const CommandResult r = run_coreinfer(c.args);
    EXPECT_NE(r.exit_code, 0);
    EXPECT_NE(r.err.find(c.expect), std::string::npos) << r.err;
    EXPECT_GE(count_lines(r.err), 1u);
    EXPECT_LE(count_lines(r.err), 2u) << r.err;  // the message, and at most a usage hint
  }
}

TEST(Cli, TruncatedModelIsRejectedCleanly) {
  const std::vector<uint8_t> bytes = read_file_bytes(kStories);
  const std::string path = "/tmp/coreinfer-truncated.gguf";
  for (size_t cut : {size_t{10}, size_t{3000}, bytes.size() / 2, bytes.size() - 1}) {
    {
      std::ofstream out(path, std::ios::binary);
      out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(cut));
    }
    const CommandResult r = run_coreinfer({"run", "-m", path, "-p", "x", "-n", "4"});
    EXPECT_EQ(r.exit_code, 1) << "cut at " << cut << ": " << r.err;
    EXPECT_EQ(count_lines(r.err), 1u) << r.err;
  }
  std::remove(path.c_str());
}

}  // namespace
}  // namespace coreinfer::testing
