// coreinfer chat: an interactive conversation in the model's chat template. Each turn only
// computes the new tokens; the history stays in the KV cache.
#include <unistd.h>

#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "cli/model_loading.h"
#include "llm/generator.h"
#include "llm/tokenizer/chat_template.h"

namespace coreinfer::cli {

llm::SamplingParams sampling_from(const RunOptions& o);  // cmd_run.cpp

int run_chat(const RunOptions& o) {
  auto loaded = load_llm(o.model, o.common, o.ctx_size, 1, WithTokenizer::kYes);
  if (!loaded.is_ok()) return fail(loaded.status().message());
  LlmSession& s = **loaded;
  // A format named on the command line wins over the model's own template.
  auto format = o.chat_template.empty()
                    ? tokenizer::choose_chat_format(tokenizer::chat_template_from_gguf(s.model->file()), "")
                    : tokenizer::chat_format_from_name(o.chat_template);
  if (!format.is_ok()) return fail(format.status().message());

  std::vector<tokenizer::ChatMessage> messages;
  if (!o.system_prompt.empty()) messages.push_back({"system", o.system_prompt});
  llm::Generator gen(*s.model, *s.tokenizer, *s.ctx, *s.cache);
  const bool interactive = isatty(fileno(stdin));
  std::fprintf(stderr, "chat format: %s. End with Ctrl-D.\n", tokenizer::chat_format_name(*format));
  std::string line;
  while (true) {
    if (interactive) std::fprintf(stderr, "\n> ");
    if (!std::getline(std::cin, line)) break;
    if (line.empty()) continue;
    messages.push_back({"user", line});
    llm::GenerationRequest req;
    req.prompt = s.tokenizer->encode(tokenizer::render_chat(*format, messages, /*add_generation_prompt=*/true),
                                     /*add_special=*/true, /*parse_special=*/true);
    req.max_tokens = o.n_predict;
    req.sampling = sampling_from(o);
    std::string answer;
    auto result = gen.generate(req, [&answer](std::string_view text) {
      answer.append(text);
      std::fwrite(text.data(), 1, text.size(), stdout);
      std::fflush(stdout);
      return true;
    });
    std::fputc('\n', stdout);
    if (!result.is_ok()) return fail(result.status().message());
    messages.push_back({"assistant", answer});
  }
  return 0;
}

}  // namespace coreinfer::cli
