// fp32 NT GEMM, SVE, vector-length agnostic. The NEON kernel's scheme (gemm_f32_neon.cpp) with
// tiles of 2 vectors of weight rows (8 at 128-bit, 16 at 256-bit) x 8 tokens: the rows are
// packed depth-major into panels of 2*VL rows (math_arm.h); 4 consecutive depths of a token are
// loaded with ld1rq, which replicates them into every 128-bit segment, so fmla by element
// (svmla_lane, whose index selects within each segment) applies depth p+L of the token to all
// rows of the panel. SVE vectors cannot live in arrays, hence the named accumulators.
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
// mr = 2*VL. The panel is zero-padded to a multiple of 4 in depth, and the last partial step
// loads the tokens under a predicate (inactive lanes read as zero).
template <int NR>
void tile(const float* panel, const float* b, int64_t ldb, int64_t kc, float* c, int64_t ldc, int64_t rows,
          bool accumulate) {
  const svbool_t all = svptrue_b32();
  const int64_t vl = static_cast<int64_t>(svcntw()), mr = 2 * vl;
  svfloat32_t l0 = svdup_n_f32(0.0f), l1 = l0, l2 = l0, l3 = l0, l4 = l0, l5 = l0, l6 = l0, l7 = l0;
  svfloat32_t h0 = l0, h1 = l0, h2 = l0, h3 = l0, h4 = l0, h5 = l0, h6 = l0, h7 = l0;

  const auto four_steps = [&](int64_t p, svbool_t pq) __attribute__((always_inline)) {
    const float* pp = panel + p * mr;
    const float* bp = b + p;
    const svfloat32_t t0 = svld1rq_f32(pq, bp);
    const svfloat32_t t1 = NR > 1 ? svld1rq_f32(pq, bp + 1 * ldb) : t0;
    const svfloat32_t t2 = NR > 2 ? svld1rq_f32(pq, bp + 2 * ldb) : t0;
    const svfloat32_t t3 = NR > 3 ? svld1rq_f32(pq, bp + 3 * ldb) : t0;
    const svfloat32_t t4 = NR > 4 ? svld1rq_f32(pq, bp + 4 * ldb) : t0;
    const svfloat32_t t5 = NR > 5 ? svld1rq_f32(pq, bp + 5 * ldb) : t0;
    const svfloat32_t t6 = NR > 6 ? svld1rq_f32(pq, bp + 6 * ldb) : t0;
    const svfloat32_t t7 = NR > 7 ? svld1rq_f32(pq, bp + 7 * ldb) : t0;
    const auto lane = [&]<int L>() __attribute__((always_inline)) {
      const svfloat32_t a0 = svld1_f32(all, pp + L * mr), a1 = svld1_f32(all, pp + L * mr + vl);
      l0 = svmla_lane_f32(l0, a0, t0, L), h0 = svmla_lane_f32(h0, a1, t0, L);
      if constexpr (NR > 1) l1 = svmla_lane_f32(l1, a0, t1, L), h1 = svmla_lane_f32(h1, a1, t1, L);
      if constexpr (NR > 2) l2 = svmla_lane_f32(l2, a0, t2, L), h2 = svmla_lane_f32(h2, a1, t2, L);
      if constexpr (NR > 3) l3 = svmla_lane_f32(l3, a0, t3, L), h3 = svmla_lane_f32(h3, a1, t3, L);
      if constexpr (NR > 4) l4 = svmla_lane_f32(l4, a0, t4, L), h4 = svmla_lane_f32(h4, a1, t4, L);
      if constexpr (NR > 5) l5 = svmla_lane_f32(l5, a0, t5, L), h5 = svmla_lane_f32(h5, a1, t5, L);
      if constexpr (NR > 6) l6 = svmla_lane_f32(l6, a0, t6, L), h6 = svmla_lane_f32(h6, a1, t6, L);
      if constexpr (NR > 7) l7 = svmla_lane_f32(l7, a0, t7, L), h7 = svmla_lane_f32(h7, a1, t7, L);
    };
    lane.template operator()<0>();
    lane.template operator()<1>();
    lane.template operator()<2>();
    lane.template operator()<3>();
  };
  int64_t p = 0;
  for (; p + 4 <= kc; p += 4) four_steps(p, all);
  if (p < kc) four_steps(p, svwhilelt_b32(p, kc));

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
    const int64_t kc = min64(kc_max, k - p0), kc_padded = (kc + 3) / 4 * 4;
    const bool accumulate = p0 > 0;
    for (int64_t i0 = 0; i0 < m; i0 += row_block) {
      const int64_t mc = min64(row_block, m - i0);
      for (int64_t r = 0; r < mc; r += mr)
        arm_gemm::pack_panel(a + (i0 + r) * lda + p0, lda, min64(mr, mc - r), kc, kc_padded, mr,
                             packed + r * kc_padded);
      for (int64_t j = 0; j < n; j += kNr) {
        const TileFn fn = kTiles[min64(kNr, n - j)];
        for (int64_t r = 0; r < mc; r += mr)
          fn(packed + r * kc_padded, b + j * ldb + p0, ldb, kc, c + j * ldc + i0 + r, ldc, min64(mr, mc - r),
             accumulate);
      }
    }
  }
}

}  // namespace coreinfer::kernels
