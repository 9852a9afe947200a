// Scalar fp32 references: the truth the SIMD kernels are tested against. Plain loops in the
// obvious order, fp32 accumulation everywhere (like the SIMD kernels and peer engines), no
// tricks.
#include <cmath>

#include "kernels/kernel_table.h"

namespace coreinfer::kernels {
namespace {

void gemm_nt_f32_ref(int64_t m, int64_t n, int64_t k, const float* a, int64_t lda, const float* b, int64_t ldb,
                     float* c, int64_t ldc) {
  for (int64_t j = 0; j < n; ++j) {
    for (int64_t i = 0; i < m; ++i) {
      float sum = 0.0f;
      for (int64_t p = 0; p < k; ++p) sum += a[i * lda + p] * b[j * ldb + p];
      c[j * ldc + i] = sum;
    }
  }
}

float dot_f32_ref(const float* a, const float* b, int64_t n) {
  float sum = 0.0f;
  for (int64_t i = 0; i < n; ++i) sum += a[i] * b[i];
  return sum;
}

void rmsnorm_ref(const float* x, const float* w, float* y, int64_t n, float eps) {
  float sum_sq = 0.0f;  // fp32, as the SIMD kernels; the tests bound the difference
  for (int64_t i = 0; i < n; ++i) sum_sq += x[i] * x[i];
  const float mean = n > 0 ? sum_sq / static_cast<float>(n) : 0.0f;
  const float scale = 1.0f / std::sqrt(mean + eps);
  for (int64_t i = 0; i < n; ++i) y[i] = x[i] * scale * w[i];
}

void softmax_ref(float* x, int64_t n) {
  if (n <= 0) return;
  float max = x[0];
  for (int64_t i = 1; i < n; ++i) max = x[i] > max ? x[i] : max;
  float sum = 0.0f;
  for (int64_t i = 0; i < n; ++i) {
    x[i] = std::exp(x[i] - max);
    sum += x[i];
  }
  const float inv_sum = 1.0f / sum;
  for (int64_t i = 0; i < n; ++i) x[i] *= inv_sum;
}

void silu_mul_ref(const float* gate, const float* up, float* out, int64_t n) {
  for (int64_t i = 0; i < n; ++i) {
    const float g = gate[i];
    out[i] = g / (1.0f + std::exp(-g)) * up[i];
  }
}

void axpy_ref(float a, const float* x, float* y, int64_t n) {
  for (int64_t i = 0; i < n; ++i) y[i] += a * x[i];
}

void rope_ref(float* x, int64_t n_dims, float pos, const float* inv_freq) {
  for (int64_t i = 0; i < n_dims / 2; ++i) {
    const float theta = pos * inv_freq[i];
    const float cos_t = std::cos(theta), sin_t = std::sin(theta);
    const float x0 = x[2 * i], x1 = x[2 * i + 1];
    x[2 * i] = x0 * cos_t - x1 * sin_t;
    x[2 * i + 1] = x0 * sin_t + x1 * cos_t;
  }
}

}  // namespace

void register_math_ref(KernelTable& t) {
  t.gemm_nt_f32 = gemm_nt_f32_ref;
  t.dot_f32 = dot_f32_ref;
  t.rmsnorm = rmsnorm_ref;
  t.softmax = softmax_ref;
  t.silu_mul = silu_mul_ref;
  t.axpy = axpy_ref;
  t.rope = rope_ref;
  t.gemm_isa = t.dot_isa = t.rmsnorm_isa = t.softmax_isa = t.silu_mul_isa = t.axpy_isa = t.rope_isa = Isa::kScalar;
}

}  // namespace coreinfer::kernels
