#pragma once

#include <vector>

#include "ops/op_context.h"

namespace coreinfer::ops {

// Rotary position embedding in the "normal" (GPT-J style) layout: adjacent pairs
// (2i, 2i+1) of each head rotate by pos · inv_freq[i].
struct RopeTable {
  int64_t n_dims = 0;           // rotated dimensions per head (pairs = n_dims / 2)
  std::vector<float> inv_freq;  // n_dims / 2 entries

  // inv_freq[i] = freq_scale · base^(−2i/n_dims) / freq_factors[i] (factors optional: Llama 3.1
  // stores its long-context scaling as the rope_freqs tensor).
  static RopeTable make(int64_t n_dims, float freq_base, float freq_scale, const float* freq_factors);
};

// x is [n][n_heads][head_dim]; row i is at position positions[i].
void rope_rows(OpContext& ctx, const RopeTable& table, float* x, int64_t n, int64_t n_heads, int64_t head_dim,
               const int32_t* positions);

}  // namespace coreinfer::ops
