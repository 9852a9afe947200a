#include "ops/rope.h"

#include <cmath>

namespace coreinfer::ops {

RopeTable RopeTable::make(int64_t n_dims, float freq_base, float freq_scale, const float* freq_factors) {
  RopeTable t;
  t.n_dims = n_dims;
  t.inv_freq.resize(static_cast<size_t>(n_dims / 2));
  // Same recurrence as the reference implementations (θ_i = θ_{i-1} · base^(−2/n_dims)), so the
  // angles round the same way.
  const float theta_scale = std::pow(freq_base, -2.0f / static_cast<float>(n_dims));
  float theta = 1.0f;
  for (int64_t i = 0; i < n_dims / 2; ++i) {
    float f = theta * freq_scale;
    if (freq_factors != nullptr) f /= freq_factors[i];
    t.inv_freq[static_cast<size_t>(i)] = f;
    theta *= theta_scale;
  }
  return t;
}

void rope_rows(OpContext& ctx, const RopeTable& table, float* x, int64_t n, int64_t n_heads, int64_t head_dim,
               const int32_t* positions) {
  const auto rope = ctx.k().rope;
  for (int64_t i = 0; i < n; ++i) {
    const float pos = static_cast<float>(positions[i]);
    for (int64_t h = 0; h < n_heads; ++h) rope(x + (i * n_heads + h) * head_dim, table.n_dims, pos, table.inv_freq.data());
  }
}

}  // namespace coreinfer::ops
