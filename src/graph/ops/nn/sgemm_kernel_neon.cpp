// The NEON micro-kernel (Armv8.0 Advanced SIMD): 8 x 12 tiles in 24 q-register accumulators.
// Each k step loads 8 A values as two vectors and 12 B values as three, and multiplies B by each
// A lane in place (fmla by element), so no broadcast is needed: 24 fmla for 5 loads, 29 of the
// 32 vector registers. Same packing and epilogue contract as micro_kernel in sgemm_kernel.h.
#if defined(__aarch64__)
#include <arm_neon.h>

#include "graph/ops/nn/bias_act_impl.h"
#include "graph/ops/nn/sgemm_kernel.h"

namespace coreinfer::nn {
namespace {

constexpr int kMr = 8, kNr = 12;

void kernel_8x12(int64_t kc, const float* a, const float* b, float* c, int64_t ldc, bool accumulate,
                 const TileEpilogue* epi) {
  float32x4_t acc[kMr][3];
  for (int r = 0; r < kMr; ++r)
    for (int v = 0; v < 3; ++v) acc[r][v] = vdupq_n_f32(0.0f);
  for (int64_t p = 0; p < kc; ++p) {
    const float32x4_t a0 = vld1q_f32(a), a1 = vld1q_f32(a + 4);
    const float32x4_t b0 = vld1q_f32(b), b1 = vld1q_f32(b + 4), b2 = vld1q_f32(b + 8);
    // The lane must be an immediate: one line per row.
#define CI_ROW(r, av, lane)                                \
  acc[r][0] = vfmaq_laneq_f32(acc[r][0], b0, av, lane);    \
  acc[r][1] = vfmaq_laneq_f32(acc[r][1], b1, av, lane);    \
  acc[r][2] = vfmaq_laneq_f32(acc[r][2], b2, av, lane);
    CI_ROW(0, a0, 0)
    CI_ROW(1, a0, 1)
    CI_ROW(2, a0, 2)
    CI_ROW(3, a0, 3)
    CI_ROW(4, a1, 0)
    CI_ROW(5, a1, 1)
    CI_ROW(6, a1, 2)
    CI_ROW(7, a1, 3)
#undef CI_ROW
    a += kMr;
    b += kNr;
  }
  if (accumulate) {
    for (int r = 0; r < kMr; ++r)
      for (int v = 0; v < 3; ++v) acc[r][v] = vaddq_f32(acc[r][v], vld1q_f32(c + r * ldc + 4 * v));
  }
  if (epi != nullptr) {
    if (epi->row_bias) {
      for (int r = 0; r < kMr; ++r) {
        const float32x4_t bias = vdupq_n_f32(epi->row_bias[r]);
        for (int v = 0; v < 3; ++v) acc[r][v] = vaddq_f32(acc[r][v], bias);
      }
    }
    if (epi->residual) {
      for (int r = 0; r < kMr; ++r)
        for (int v = 0; v < 3; ++v)
          acc[r][v] = vaddq_f32(acc[r][v], vld1q_f32(epi->residual + r * epi->ldr + 4 * v));
    }
    if (epi->relu) {
      // fmax: a NaN stays NaN, as in the Relu op, the x86 kernels' max(0, acc) and bias_act.
      const float32x4_t zero = vdupq_n_f32(0.0f);
      for (int r = 0; r < kMr; ++r)
        for (int v = 0; v < 3; ++v) acc[r][v] = vmaxq_f32(acc[r][v], zero);
    }
    if (epi->clamp) {
      // fmax / fmin: a NaN stays NaN, as bias_act's Clip keeps it.
      const float32x4_t lo = vdupq_n_f32(epi->lo), hi = vdupq_n_f32(epi->hi);
      for (int r = 0; r < kMr; ++r)
        for (int v = 0; v < 3; ++v) acc[r][v] = vminq_f32(vmaxq_f32(acc[r][v], lo), hi);
    }
  }
  for (int r = 0; r < kMr; ++r)
    for (int v = 0; v < 3; ++v) vst1q_f32(c + r * ldc + 4 * v, acc[r][v]);
}

void bias_act(float* x, int64_t n, float bias, const float* col_bias, const Activation& act) {
  detail::bias_act(x, n, bias, col_bias, act);
}

// Traits of the generic micro_kernel, for the tiles of 1-4 rows (GemmKernel::few_rows). max and
// min return b when either is NaN, as the x86 instructions do (sgemm_kernel.h).
struct Neon {
  using V = float32x4_t;
  static constexpr int kLanes = 4;
  static V load(const float* p) { return vld1q_f32(p); }
  static void store(float* p, V v) { vst1q_f32(p, v); }
  static V splat(float x) { return vdupq_n_f32(x); }
  static V fma(V a, V b, V c) { return vfmaq_f32(c, a, b); }
  static V max(V a, V b) { return vbslq_f32(vcgtq_f32(a, b), a, b); }
  static V min(V a, V b) { return vbslq_f32(vcltq_f32(a, b), a, b); }
};

}  // namespace

GemmKernel gemm_kernel_neon() {
  GemmKernel g{kMr, kNr, kernel_8x12, "neon", bias_act};
  set_few_rows<Neon, 3, kMr>(g);
  return g;
}

}  // namespace coreinfer::nn
#endif
