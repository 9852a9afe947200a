// coreinfer conformance DIR...: runs ONNX test directories and prints one line per case.
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>

#include "cli/commands.h"
#include "formats/onnx/conformance.h"
#include "graph/ops/register.h"

namespace coreinfer::cli {

namespace {

// A test directory as is; a folder of test directories (no model.onnx of its own) as its cases.
std::vector<std::string> expand_case_dirs(const std::vector<std::string>& dirs) {
  namespace fs = std::filesystem;
  std::vector<std::string> out;
  for (const std::string& d : dirs) {
    std::error_code ec;
    if (fs::exists(fs::path(d) / "model.onnx", ec) || !fs::is_directory(d, ec)) {
      out.push_back(d);
      continue;
    }
    std::vector<std::string> cases;
    for (const auto& e : fs::directory_iterator(d, ec))
      if (e.is_directory() && fs::exists(e.path() / "model.onnx")) cases.push_back(e.path().string());
    std::sort(cases.begin(), cases.end());
    out.insert(out.end(), cases.begin(), cases.end());
  }
  return out;
}

// "case_name  free-text reason" per line; '#' starts a comment.
std::map<std::string, std::string> read_known_failures(const std::string& path) {
  std::map<std::string, std::string> known;
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line[0] == '#') continue;
    const size_t sp = line.find_first_of(" \t");
    const std::string name = line.substr(0, sp);
    const size_t r = sp == std::string::npos ? std::string::npos : line.find_first_not_of(" \t", sp);
    known[name] = r == std::string::npos ? "" : line.substr(r);
  }
  return known;
}

}  // namespace

int run_conformance(const ConformanceCliOptions& o) {
  const OpRegistry registry = default_op_registry();
  ConformanceOptions options;
  if (o.rtol >= 0) options.rtol = o.rtol;
  if (o.atol >= 0) options.atol = o.atol;
  options.threads = o.threads;
  options.optimize = !o.no_optimize;
  if (!o.known_failures.empty() && !std::filesystem::exists(o.known_failures))
    return fail("known-failures file '" + o.known_failures + "' not found");
  const auto known = o.known_failures.empty() ? std::map<std::string, std::string>{} : read_known_failures(o.known_failures);
  int passed = 0, failed = 0, skipped = 0, xfailed = 0;
  for (const std::string& dir : expand_case_dirs(o.dirs)) {
    const CaseResult r = run_conformance_case(dir, registry, options);
    switch (r.outcome) {
      case CaseResult::Outcome::kPassed:
        ++passed;
        if (!o.quiet) std::printf("PASS %s (%d data set%s)\n", r.name.c_str(), r.data_sets, r.data_sets == 1 ? "" : "s");
        break;
      case CaseResult::Outcome::kFailed:
        if (known.count(r.name)) {
          ++xfailed;
          std::printf("XFAIL %s: %s [known: %s]\n", r.name.c_str(), r.detail.c_str(), known.at(r.name).c_str());
          break;
        }
        ++failed;
        std::printf("FAIL %s: %s\n", r.name.c_str(), r.detail.c_str());
        break;
      case CaseResult::Outcome::kSkipped:
        ++skipped;
        if (!o.quiet) std::printf("SKIP %s: %s\n", r.name.c_str(), r.detail.c_str());
        break;
    }
    std::fflush(stdout);
  }
  std::printf("%d passed, %d failed, %d skipped\n", passed, failed, skipped);
  if (xfailed) std::printf("(%d known failures not counted, listed in %s)\n", xfailed, o.known_failures.c_str());
  return failed == 0 ? 0 : 1;
}

}  // namespace coreinfer::cli
