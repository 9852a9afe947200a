#include "ops/attention.h"

#include <algorithm>
#include <cstring>

namespace coreinfer::ops {
namespace {

// Calls fn(row, j) for positions first..last of one KV head, in order, j = position - first:
// a block at a time, so the rows of a block are walked with a fixed stride.
template <typename Fn>
inline void for_each_row(const KvView& kv, bool values, int64_t head_offset, int64_t first, int64_t last, Fn&& fn) {
  const int64_t bt = kv.block_tokens;
  for (int64_t p = first; p <= last;) {
    const int64_t logical = p / bt;
    const int64_t block_end = std::min(last + 1, (logical + 1) * bt);
    const float* row = (values ? kv.v_block(logical) : kv.k_block(logical)) + (p - logical * bt) * kv.row_stride +
                       head_offset;
    for (; p < block_end; ++p, row += kv.row_stride) fn(row, p - first);
  }
}

}  // namespace

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
      const int64_t head_offset = (h / group) * s.head_dim;
      const int64_t pos = positions[i];
      const int64_t first = s.sliding_window > 0 ? std::max<int64_t>(0, pos - s.sliding_window + 1) : 0;
      const float* qh = q + i * q_stride + h * s.head_dim;
      const int64_t len = pos - first + 1;
      for_each_row(kv[i], false, head_offset, first, pos,
                   [&](const float* kj, int64_t j) { scores[j] = k.dot_f32(qh, kj, s.head_dim) * scale; });
      k.softmax(scores, len);
      float* oh = out + i * q_stride + h * s.head_dim;
      std::memset(oh, 0, sizeof(float) * static_cast<size_t>(s.head_dim));
      for_each_row(kv[i], true, head_offset, first, pos,
                   [&](const float* vj, int64_t j) { k.axpy(scores[j], vj, oh, s.head_dim); });
    }
  });
}

}  // namespace coreinfer::ops
