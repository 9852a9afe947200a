// fp32 NT GEMM, SVE, vector-length agnostic. Tiles of 2 vectors of weight rows (8 at 128-bit,
// 16 at 256-bit) x 8 tokens: the rows are packed depth-major into panels of 2*VL rows
// (math_arm.h), so a depth step of a panel is two vector loads; each token's value at that depth
// is broadcast by a load (ld1rw) straight from the token row, no packing. 16 FMAs per 10 loads,
// all in registers: 16 accumulators, 2 weight vectors, the broadcasts. SVE vectors cannot live
// in arrays, hence the named accumulators.
//
// Blocking as in the NEON kernel: depth blocks of <= 256, row blocks of 128 packed at a time.
#include <arm_sve.h>

#include "core/aligned_buffer.h"
#include "kernels/arm/math_arm.h"

namespace coreinfer::kernels {
namespace {

using arm_gemm::min64;

constexpr int kNr = 8;              // tokens per tile
constexpr int64_t kMaxDepth = 256;  // depth block
constexpr int64_t kRowBlock = 128;  // rows packed at a time (a multiple of 2*VL for every VL)
constexpr int64_t kFewTokens = 4;   // fewer tokens than this: plain dot products, no packing

// C[j*ldc + r] (+)= sum_p panel[p*mr + r] * b[j*ldb + p] for r < rows, j < NR, p < kc, with
// mr = 2*VL. The token values are broadcast by load (ld1rw): fmla by element would need them
// in z0-z7, which GCC does not manage without a register copy per token and step. The merging
// form (_m) keeps each accumulator in its register (with _x GCC picks fmad and copies).
template <int NR>
void tile(const float* panel, const float* b, int64_t ldb, int64_t kc, float* c, int64_t ldc, int64_t rows,
          bool accumulate) {
  const svbool_t all = svptrue_b32();
  const int64_t vl = static_cast<int64_t>(svcntw()), mr = 2 * vl;
  svfloat32_t l0 = svdup_n_f32(0.0f), l1 = l0, l2 = l0, l3 = l0, l4 = l0, l5 = l0, l6 = l0, l7 = l0;
  svfloat32_t h0 = l0, h1 = l0, h2 = l0, h3 = l0, h4 = l0, h5 = l0, h6 = l0, h7 = l0;
  const float *b0 = b, *b1 = b0 + (NR > 1 ? ldb : 0), *b2 = b1 + (NR > 2 ? ldb : 0), *b3 = b2 + (NR > 3 ? ldb : 0),
              *b4 = b3 + (NR > 4 ? ldb : 0), *b5 = b4 + (NR > 5 ? ldb : 0), *b6 = b5 + (NR > 6 ? ldb : 0),
              *b7 = b6 + (NR > 7 ? ldb : 0);
  // Depth d of the pointers' current position. The 4-deep loop advances the pointers once, so
  // ld1rw addresses its 4 depths by immediate offsets.
  const float* pp = panel;
  const auto step = [&](int d) __attribute__((always_inline)) {
    const svfloat32_t a0 = svld1_f32(all, pp + d * mr), a1 = svld1_f32(all, pp + d * mr + vl);
    svfloat32_t t = svdup_n_f32(b0[d]);
    l0 = svmla_f32_m(all, l0, a0, t), h0 = svmla_f32_m(all, h0, a1, t);
    if constexpr (NR > 1) t = svdup_n_f32(b1[d]), l1 = svmla_f32_m(all, l1, a0, t), h1 = svmla_f32_m(all, h1, a1, t);
    if constexpr (NR > 2) t = svdup_n_f32(b2[d]), l2 = svmla_f32_m(all, l2, a0, t), h2 = svmla_f32_m(all, h2, a1, t);
    if constexpr (NR > 3) t = svdup_n_f32(b3[d]), l3 = svmla_f32_m(all, l3, a0, t), h3 = svmla_f32_m(all, h3, a1, t);
    if constexpr (NR > 4) t = svdup_n_f32(b4[d]), l4 = svmla_f32_m(all, l4, a0, t), h4 = svmla_f32_m(all, h4, a1, t);
    if constexpr (NR > 5) t = svdup_n_f32(b5[d]), l5 = svmla_f32_m(all, l5, a0, t), h5 = svmla_f32_m(all, h5, a1, t);
    if constexpr (NR > 6) t = svdup_n_f32(b6[d]), l6 = svmla_f32_m(all, l6, a0, t), h6 = svmla_f32_m(all, h6, a1, t);
    if constexpr (NR > 7) t = svdup_n_f32(b7[d]), l7 = svmla_f32_m(all, l7, a0, t), h7 = svmla_f32_m(all, h7, a1, t);
  };
  const auto advance = [&](int64_t depths) __attribute__((always_inline)) {
    pp += depths * mr;
    b0 += depths, b1 += depths, b2 += depths, b3 += depths, b4 += depths, b5 += depths, b6 += depths, b7 += depths;
  };
  int64_t p = 0;
  for (; p + 4 <= kc; p += 4) {
    step(0), step(1), step(2), step(3);
    advance(4);
  }
  for (; p < kc; ++p) {
    step(0);
    advance(1);
  }

  const svbool_t p_lo = svwhilelt_b32(int64_t{0}, rows), p_hi = svwhilelt_b32(vl, rows);
  const auto store = [&](int j, svfloat32_t lo, svfloat32_t hi) __attribute__((always_inline)) {
    float* out = c + j * ldc;
    if (accumulate) {
      lo = svadd_f32_x(p_lo, lo, svld1_f32(p_lo, out));
      hi = svadd_f32_x(p_hi, hi, svld1_f32(p_hi, out + vl));
    }
    svst1_f32(p_lo, out, lo);
    svst1_f32(p_hi, out + vl, hi);
  };
  store(0, l0, h0);
  if constexpr (NR > 1) store(1, l1, h1);
  if constexpr (NR > 2) store(2, l2, h2);
  if constexpr (NR > 3) store(3, l3, h3);
  if constexpr (NR > 4) store(4, l4, h4);
  if constexpr (NR > 5) store(5, l5, h5);
  if constexpr (NR > 6) store(6, l6, h6);
  if constexpr (NR > 7) store(7, l7, h7);
}

using TileFn = void (*)(const float*, const float*, int64_t, int64_t, float*, int64_t, int64_t, bool);
constexpr TileFn kTiles[kNr + 1] = {nullptr,  tile<1>, tile<2>, tile<3>, tile<4>,
                                    tile<5>,  tile<6>, tile<7>, tile<8>};

}  // namespace

void gemm_nt_f32_sve(int64_t m, int64_t n, int64_t k, const float* a, int64_t lda, const float* b, int64_t ldb,
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
  const int64_t mr = 2 * static_cast<int64_t>(svcntw());
  const int64_t row_block = kRowBlock > mr ? kRowBlock / mr * mr : mr;
  const int64_t kc_max = arm_gemm::depth_block(k, kMaxDepth);
  const int64_t rows_max = min64(row_block, (m + mr - 1) / mr * mr);
  AlignedBuffer buffer(static_cast<size_t>(rows_max * kc_max) * sizeof(float));
  float* packed = buffer.as<float>();

  for (int64_t p0 = 0; p0 < k; p0 += kc_max) {
    const int64_t kc = min64(kc_max, k - p0);
    const bool accumulate = p0 > 0;
    for (int64_t i0 = 0; i0 < m; i0 += row_block) {
      const int64_t mc = min64(row_block, m - i0);
      for (int64_t r = 0; r < mc; r += mr)
        arm_gemm::pack_panel(a + (i0 + r) * lda + p0, lda, min64(mr, mc - r), kc, kc, mr, packed + r * kc);
      for (int64_t j = 0; j < n; j += kNr) {
        const TileFn fn = kTiles[min64(kNr, n - j)];
        for (int64_t r = 0; r < mc; r += mr)
          fn(packed + r * kc, b + j * ldb + p0, ldb, kc, c + j * ldc + i0 + r, ldc, min64(mr, mc - r),
             accumulate);
      }
    }
  }
}

}  // namespace coreinfer::kernels
