// coreinfer run: the generated text alone on stdout, streamed; timing on stderr.
#include <chrono>
#include <cstdio>

#include "cli/commands.h"
#include "cli/model_loading.h"
#include "llm/generator.h"

namespace coreinfer::cli {

llm::SamplingParams sampling_from(const RunOptions& o) {
  llm::SamplingParams p;
  p.temperature = o.temperature;
  p.top_k = o.top_k;
  p.top_p = o.top_p;
  p.min_p = o.min_p;
  p.repeat_penalty = o.repeat_penalty;
  p.seed = o.seed_set ? o.seed
                      : static_cast<uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count());
  return p;
}

int run_generate(const RunOptions& o) {
  auto loaded = load_llm(o.model, o.common, o.ctx_size, 1, WithTokenizer::kYes);
  if (!loaded.is_ok()) return fail(loaded.status().message());
  LlmSession& s = **loaded;

  llm::GenerationRequest req;
  req.prompt = s.tokenizer->encode(o.prompt, /*add_special=*/true, /*parse_special=*/false);
  req.max_tokens = o.n_predict;
  req.sampling = sampling_from(o);
  req.ignore_eos = o.ignore_eos;

  llm::Generator gen(*s.model, *s.tokenizer, *s.ctx, *s.cache);
  auto result = gen.generate(req, [](std::string_view text) {
    std::fwrite(text.data(), 1, text.size(), stdout);
    std::fflush(stdout);
    return true;
  });
  std::fputc('\n', stdout);
  if (!result.is_ok()) return fail(result.status().message());
  const llm::GenerationResult& r = *result;
  const size_t n_gen = r.tokens.size();
  std::fprintf(stderr, "\nprompt: %zu tokens in %.3f s (%.2f tokens/s)\n", req.prompt.size(), r.prompt_seconds,
               r.prompt_seconds > 0 ? static_cast<double>(req.prompt.size()) / r.prompt_seconds : 0.0);
  std::fprintf(stderr, "generation: %zu tokens in %.3f s (%.2f tokens/s), stopped by %s\n", n_gen,
               r.generation_seconds, r.generation_seconds > 0 ? static_cast<double>(n_gen) / r.generation_seconds : 0.0,
               r.finish_reason.c_str());
  return 0;
}

}  // namespace coreinfer::cli
