// Causal grouped-query attention against a KV cache held as fp32 rows.
#pragma once

#include "ops/op_context.h"

namespace coreinfer::ops {

struct AttentionShape {
  int64_t n_heads = 0;
  int64_t n_kv_heads = 0;      // query head h reads KV head h / (n_heads / n_kv_heads)
  int64_t head_dim = 0;
  int64_t sliding_window = 0;  // 0: attend to every earlier position
};

struct KvView {
  const float* k = nullptr;  // [positions][n_kv_heads * head_dim]
  const float* v = nullptr;
  int64_t row_stride = 0;    // floats between consecutive positions
};

// q: [n][n_heads * head_dim]; query i is at position positions[i] and reads the cache kv[i]
// (tokens of different sequences read different caches), whose rows 0..positions[i] must
// already hold keys and values. out: [n][n_heads * head_dim]. scale is usually 1/sqrt(head_dim).
void attention(OpContext& ctx, const AttentionShape& shape, const float* q, const int32_t* positions, int64_t n,
               const KvView* kv, float scale, float* out);

}  // namespace coreinfer::ops
