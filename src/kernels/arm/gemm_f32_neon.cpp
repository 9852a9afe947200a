// fp32 NT GEMM, Armv8.0 NEON. A block of weight rows is packed depth-major into panels of
// 8 rows (math_arm.h), so one depth step of a panel is two vectors along i, which is also C's
// contiguous direction. The tokens are read in place: 4 consecutive depths of a token are one
// vector, and fmla by element (vfmaq_laneq_f32) uses each of its lanes in turn. An 8 x 8 tile
// keeps 16 accumulators, 8 token vectors and 2 weight vectors in the 32 registers: 64 FMAs per
// 16 loads.
//
// Blocking: depth in blocks of <= 256 (a tile's 8 tokens, 8 KiB, stay in L1 while the packed
// panels of a row block, <= 128 KiB, come from L2); C accumulates across depth blocks.
#include <arm_neon.h>

#include "core/aligned_buffer.h"
#include "kernels/arm/math_arm.h"

namespace coreinfer::kernels {
namespace {

using arm_gemm::min64;

constexpr int kMr = 8;              // weight rows per tile (two vectors)
constexpr int kNr = 8;              // tokens per tile
constexpr int64_t kMaxDepth = 256;  // depth block
constexpr int64_t kRowBlock = 128;  // rows packed at a time
constexpr int64_t kFewTokens = 4;   // fewer tokens than this: plain dot products, no packing

// 4 floats of a token from p, or the `count` < 4 that are left followed by zeros.
inline float32x4_t load_token(const float* src, int64_t count) {
  if (count >= 4) return vld1q_f32(src);
  float t[4] = {0.0f, 0.0f, 0.0f, 0.0f};
  for (int64_t i = 0; i < count; ++i) t[i] = src[i];
  return vld1q_f32(t);
}

// Depth step L of a 4-deep step: acc(rows, token j) += panel column L * lane L of token j.
template <int NR, int L>
inline __attribute__((always_inline)) void depth_step(float32x4_t (&lo)[NR], float32x4_t (&hi)[NR],
                                                      const float* panel, const float32x4_t (&tok)[NR]) {
  const float32x4_t a0 = vld1q_f32(panel + L * kMr), a1 = vld1q_f32(panel + L * kMr + 4);
#pragma GCC unroll 8
  for (int j = 0; j < NR; ++j) {
    lo[j] = vfmaq_laneq_f32(lo[j], a0, tok[j], L);
    hi[j] = vfmaq_laneq_f32(hi[j], a1, tok[j], L);
  }
}

// C[j*ldc + r] (+)= sum_p panel[p*kMr + r] * b[j*ldb + p] for r < rows, j < NR, p < kc. The panel
// is zero-padded to a multiple of 4 in depth, so the last partial step runs whole.
template <int NR>
void tile(const float* panel, const float* b, int64_t ldb, int64_t kc, float* c, int64_t ldc, int64_t rows,
          bool accumulate) {
  float32x4_t lo[NR], hi[NR];
#pragma GCC unroll 8
  for (int j = 0; j < NR; ++j) lo[j] = hi[j] = vdupq_n_f32(0.0f);
  const auto four_steps = [&](const float* pp, const float32x4_t (&tok)[NR]) __attribute__((always_inline)) {
    depth_step<NR, 0>(lo, hi, pp, tok);
    depth_step<NR, 1>(lo, hi, pp, tok);
    depth_step<NR, 2>(lo, hi, pp, tok);
    depth_step<NR, 3>(lo, hi, pp, tok);
  };
  int64_t p = 0;
  for (; p + 4 <= kc; p += 4) {
    float32x4_t tok[NR];
#pragma GCC unroll 8
    for (int j = 0; j < NR; ++j) tok[j] = vld1q_f32(b + j * ldb + p);
    four_steps(panel + p * kMr, tok);
  }
  if (p < kc) {
    float32x4_t tok[NR];
#pragma GCC unroll 8
    for (int j = 0; j < NR; ++j) tok[j] = load_token(b + j * ldb + p, kc - p);
    four_steps(panel + p * kMr, tok);
  }

#pragma GCC unroll 8
  for (int j = 0; j < NR; ++j) {
    float* out = c + j * ldc;
    if (rows == kMr) {
      float32x4_t v0 = lo[j], v1 = hi[j];
      if (accumulate) v0 = vaddq_f32(v0, vld1q_f32(out)), v1 = vaddq_f32(v1, vld1q_f32(out + 4));
      vst1q_f32(out, v0);
      vst1q_f32(out + 4, v1);
    } else {
      float t[kMr];
      vst1q_f32(t, lo[j]);
      vst1q_f32(t + 4, hi[j]);
      for (int64_t r = 0; r < rows; ++r) out[r] = accumulate ? out[r] + t[r] : t[r];
    }
  }
}

using TileFn = void (*)(const float*, const float*, int64_t, int64_t, float*, int64_t, int64_t, bool);
constexpr TileFn kTiles[kNr + 1] = {nullptr,  tile<1>, tile<2>, tile<3>, tile<4>,
                                    tile<5>,  tile<6>, tile<7>, tile<8>};

}  // namespace

void gemm_nt_f32_neon(int64_t m, int64_t n, int64_t k, const float* a, int64_t lda, const float* b, int64_t ldb,
                      float* c, int64_t ldc) {
  if (m <= 0 || n <= 0) return;
  if (k <= 0) {
    for (int64_t j = 0; j < n; ++j)
      for (int64_t i = 0; i < m; ++i) c[j * ldc + i] = 0.0f;
    return;
  }
  if (n < kFewTokens) {
    arm_gemm::gemm_few_tokens(m, n, k, a, lda, b, ldb, c, ldc);
    return;
  }
  const int64_t kc_max = arm_gemm::depth_block(k, kMaxDepth);
  const int64_t rows_max = min64(kRowBlock, (m + kMr - 1) / kMr * kMr);
  AlignedBuffer buffer(static_cast<size_t>(rows_max * kc_max) * sizeof(float));
  float* packed = buffer.as<float>();

  for (int64_t p0 = 0; p0 < k; p0 += kc_max) {
    const int64_t kc = min64(kc_max, k - p0), kc_padded = (kc + 3) / 4 * 4;
    const bool accumulate = p0 > 0;
    for (int64_t i0 = 0; i0 < m; i0 += kRowBlock) {
      const int64_t mc = min64(kRowBlock, m - i0);
      for (int64_t r = 0; r < mc; r += kMr)
        arm_gemm::pack_panel(a + (i0 + r) * lda + p0, lda, min64(kMr, mc - r), kc, kc_padded, kMr,
                             packed + r * kc_padded);
      for (int64_t j = 0; j < n; j += kNr) {
        const TileFn fn = kTiles[min64(kNr, n - j)];
        for (int64_t r = 0; r < mc; r += kMr)
          fn(packed + r * kc_padded, b + j * ldb + p0, ldb, kc, c + j * ldc + i0 + r, ldc, min64(kMr, mc - r),
             accumulate);
      }
    }
  }
}

}  // namespace coreinfer::kernels
