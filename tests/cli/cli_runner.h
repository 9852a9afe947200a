// Runs the coreinfer binary with arguments and optional stdin, capturing stdout, stderr and
// the exit code.
#pragma once

#include <string>
#include <vector>

namespace coreinfer::testing {

struct CommandResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

CommandResult run_coreinfer(const std::vector<std::string>& args, const std::string& stdin_text = "");

}  // namespace coreinfer::testing
