#include "ops/attention.h"

#include <algorithm>
#include <cstring>

namespace coreinfer::ops {

void attention(OpContext& ctx, const AttentionShape& s, const float* q, const int32_t* positions, int64_t n,
               const KvView* kv, float scale, float* out) {
  const auto& k = ctx.k();
  const int64_t group = s.n_heads / s.n_kv_heads;
  const int64_t q_stride = s.n_heads * s.head_dim;
  const int64_t max_pos = *std::max_element(positions, positions + n);
  ctx.pool().run([&](int tid, int n_threads) {
    float* scores = ctx.scratch(tid, static_cast<size_t>(max_pos + 1));
    for (int64_t task = tid; task < n * s.n_heads; task += n_threads) {
      const int64_t i = task / s.n_heads;
      const int64_t h = task % s.n_heads;
      const int64_t kvh = h / group;
      const int64_t pos = positions[i];
      const int64_t first = s.sliding_window > 0 ? std::max<int64_t>(0, pos - s.sliding_window + 1) : 0;
      const float* qh = q + i * q_stride + h * s.head_dim;
      const int64_t len = pos - first + 1;
      for (int64_t j = 0; j < len; ++j) {
        const float* kj = kv[i].k + (first + j) * kv[i].row_stride + kvh * s.head_dim;
        scores[j] = k.dot_f32(qh, kj, s.head_dim) * scale;
      }
      k.softmax(scores, len);
      float* oh = out + i * q_stride + h * s.head_dim;
      std::memset(oh, 0, sizeof(float) * static_cast<size_t>(s.head_dim));
      for (int64_t j = 0; j < len; ++j) {
        k.axpy(scores[j], kv[i].v + (first + j) * kv[i].row_stride + kvh * s.head_dim, oh, s.head_dim);
      }
    }
  });
}

}  // namespace coreinfer::ops
