// Placeholder until the tokenizer lands; replaced by cmd_run.cpp / cmd_chat.cpp / cmd_tokenize.cpp.
#include "cli/commands.h"

namespace coreinfer::cli {
int run_generate(const RunOptions&) { return fail("run: not available yet"); }
int run_chat(const RunOptions&) { return fail("chat: not available yet"); }
int run_tokenize(const TokenizeOptions&) { return fail("tokenize: not available yet"); }
}  // namespace coreinfer::cli
