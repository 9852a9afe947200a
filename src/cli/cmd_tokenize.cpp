// coreinfer tokenize: raw UTF-8 text from stdin -> token ids on one line.
#include <cstdio>
#include <iostream>
#include <iterator>
#include <string>

#include "cli/commands.h"
#include "cli/model_loading.h"

namespace coreinfer::cli {

int run_tokenize(const TokenizeOptions& o) {
  auto tok = load_tokenizer(o.model);
  if (!tok.is_ok()) return fail(tok.status().message());
  const std::string text((std::istreambuf_iterator<char>(std::cin)), std::istreambuf_iterator<char>());
  const auto ids = (*tok)->encode(text, /*add_special=*/!o.no_bos, o.parse_special);
  std::string line;
  for (size_t i = 0; i < ids.size(); ++i) {
    if (i) line += ' ';
    line += std::to_string(ids[i]);
  }
  std::printf("%s\n", line.c_str());
  return 0;
}

}  // namespace coreinfer::cli
