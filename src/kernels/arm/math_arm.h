// Shared by the Arm fp32 kernels (math_*.cpp, gemm_f32_*.cpp): the GEMMs' entry points, the
// weight-panel packing both GEMMs use, and the NEON dot product. Every helper here is static
// inline (each file compiles it with its own ISA flags) and uses only Armv8.0 NEON.
#pragma once

#include <arm_neon.h>

#include <cstdint>

namespace coreinfer::kernels {

// GemmNtF32Fn (kernel_table.h). Call the SVE one only on a CPU with SVE.
void gemm_nt_f32_neon(int64_t m, int64_t n, int64_t k, const float* a, int64_t lda, const float* b, int64_t ldb,
                      float* c, int64_t ldc);
void gemm_nt_f32_sve(int64_t m, int64_t n, int64_t k, const float* a, int64_t lda, const float* b, int64_t ldb,
                     float* c, int64_t ldc);

namespace arm_gemm {

static inline int64_t min64(int64_t a, int64_t b) { return a < b ? a : b; }

// Packs rows < `rows` (<= mr, mr a multiple of 4) and depths p < kc of A (row stride lda) into
// one panel, depth-major: dst[p * mr + r]. Rows rows..mr-1 and depths kc..kc_padded-1 are zero,
// so a micro-kernel can run whole 4-deep steps over whole panels. Groups of 4 rows x 4 depths
// are moved with one 4x4 register transpose.
static inline void pack_panel(const float* a, int64_t lda, int64_t rows, int64_t kc, int64_t kc_padded, int64_t mr,
                              float* dst) {
  const int64_t full_groups = rows / 4;
  for (int64_t g = 0; g < full_groups; ++g) {
    const float* r0 = a + 4 * g * lda;
    const float *r1 = r0 + lda, *r2 = r1 + lda, *r3 = r2 + lda;
    float* out = dst + 4 * g;
    int64_t p = 0;
    for (; p + 4 <= kc; p += 4) {
      const float32x4_t v0 = vld1q_f32(r0 + p), v1 = vld1q_f32(r1 + p), v2 = vld1q_f32(r2 + p),
                        v3 = vld1q_f32(r3 + p);
      const float64x2_t t0 = vreinterpretq_f64_f32(vtrn1q_f32(v0, v1)),
                        t1 = vreinterpretq_f64_f32(vtrn2q_f32(v0, v1)),
                        t2 = vreinterpretq_f64_f32(vtrn1q_f32(v2, v3)),
                        t3 = vreinterpretq_f64_f32(vtrn2q_f32(v2, v3));
      vst1q_f32(out + (p + 0) * mr, vreinterpretq_f32_f64(vtrn1q_f64(t0, t2)));
      vst1q_f32(out + (p + 1) * mr, vreinterpretq_f32_f64(vtrn1q_f64(t1, t3)));
      vst1q_f32(out + (p + 2) * mr, vreinterpretq_f32_f64(vtrn2q_f64(t0, t2)));
      vst1q_f32(out + (p + 3) * mr, vreinterpretq_f32_f64(vtrn2q_f64(t1, t3)));
    }
    for (; p < kc; ++p) {
      out[p * mr + 0] = r0[p];
      out[p * mr + 1] = r1[p];
      out[p * mr + 2] = r2[p];
      out[p * mr + 3] = r3[p];
    }
    for (; p < kc_padded; ++p) vst1q_f32(out + p * mr, vdupq_n_f32(0.0f));
  }
  for (int64_t r = 4 * full_groups; r < mr; ++r) {
    if (r < rows) {
      const float* row = a + r * lda;
      for (int64_t p = 0; p < kc; ++p) dst[p * mr + r] = row[p];
      for (int64_t p = kc; p < kc_padded; ++p) dst[p * mr + r] = 0.0f;
    } else {
      for (int64_t p = 0; p < kc_padded; ++p) dst[p * mr + r] = 0.0f;
    }
  }
}

// The depth block: k split evenly into pieces of at most `max_block`, rounded up to a multiple of 4.
static inline int64_t depth_block(int64_t k, int64_t max_block) {
  const int64_t blocks = (k + max_block - 1) / max_block;
  const int64_t per_block = (k + blocks - 1) / blocks;
  return (per_block + 3) / 4 * 4;
}

// sum a[i] * b[i] with 4 vector accumulators (dot_f32, and the GEMMs' few-token case).
static inline float dot_neon(const float* a, const float* b, int64_t n) {
  float32x4_t acc0 = vdupq_n_f32(0.0f), acc1 = acc0, acc2 = acc0, acc3 = acc0;
  int64_t i = 0;
  for (; i + 16 <= n; i += 16) {
    acc0 = vfmaq_f32(acc0, vld1q_f32(a + i), vld1q_f32(b + i));
    acc1 = vfmaq_f32(acc1, vld1q_f32(a + i + 4), vld1q_f32(b + i + 4));
    acc2 = vfmaq_f32(acc2, vld1q_f32(a + i + 8), vld1q_f32(b + i + 8));
    acc3 = vfmaq_f32(acc3, vld1q_f32(a + i + 12), vld1q_f32(b + i + 12));
  }
  for (; i + 4 <= n; i += 4) acc0 = vfmaq_f32(acc0, vld1q_f32(a + i), vld1q_f32(b + i));
  float sum = vaddvq_f32(vaddq_f32(vaddq_f32(acc0, acc1), vaddq_f32(acc2, acc3)));
  for (; i < n; ++i) sum += a[i] * b[i];
  return sum;
}

// C[j*ldc + i] = A row i . B row j: for fewer tokens than a tile, where packing A would cost as
// much as the product.
static inline void gemm_few_tokens(int64_t m, int64_t n, int64_t k, const float* a, int64_t lda, const float* b,
                                   int64_t ldb, float* c, int64_t ldc) {
  for (int64_t j = 0; j < n; ++j)
    for (int64_t i = 0; i < m; ++i) c[j * ldc + i] = dot_neon(a + i * lda, b + j * ldb, k);
}

}  // namespace arm_gemm
}  // namespace coreinfer::kernels
