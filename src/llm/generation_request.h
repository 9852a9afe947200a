// What one generation asks for: the prompt ids, limits and sampling settings.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "llm/sampling.h"

namespace coreinfer::llm {

struct GenerationRequest {
  std::vector<int32_t> prompt;
  int max_tokens = 128;
  SamplingParams sampling;
  std::vector<std::string> stop;
  bool ignore_eos = false;
  int top_logprobs = -1;  // -1: no logprobs; n >= 0: the chosen token's and n alternatives
};

}  // namespace coreinfer::llm
