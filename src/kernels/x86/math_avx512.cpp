// fp32 kernels, AVX-512: dot, rmsnorm, softmax, silu_mul, axpy, and the GEMM from
// gemm_f32_avx512.cpp. Tails use masked loads and stores. rope stays scalar: its cost is the
// cos/sin of each angle, not the rotation.
#include <immintrin.h>

#include "kernels/kernel_table.h"
#include "kernels/x86/gemm_f32_x86.h"

namespace coreinfer::kernels {
namespace {

constexpr int64_t kLanes = 16;

inline __mmask16 tail_mask(int64_t count) { return static_cast<__mmask16>((1u << count) - 1); }

// exp(x), within 1 ulp of the exact value (0.94 ulp measured over every float x with a normal result);
// +inf for x > 88.72, 0 (through the subnormals) for x < -103.9, NaN for NaN.
// x = n*ln2 + r with |r| <= ln2/2; exp(r) by its Taylor series to r^7 (truncation < 1e-8
// relative), then 2^n by scalef, which also handles overflow and underflow.
inline __m512 exp_ps(__m512 x) {
  const __m512 kLog2e = _mm512_set1_ps(1.44269504088896341f);
  const __m512 kLn2Hi = _mm512_set1_ps(0.693147182464599609375f);  // ln2 rounded to float
  const __m512 kLn2Lo = _mm512_set1_ps(-1.904654299957768e-09f);   // ln2 - kLn2Hi
  // max/min return their second operand when one is NaN, so NaN goes through.
  x = _mm512_min_ps(_mm512_set1_ps(89.0f), _mm512_max_ps(_mm512_set1_ps(-104.0f), x));
  const __m512 n = _mm512_roundscale_ps(_mm512_mul_ps(x, kLog2e), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  __m512 r = _mm512_fnmadd_ps(n, kLn2Hi, x);  // exact: the difference fits in 24 bits
  r = _mm512_fnmadd_ps(n, kLn2Lo, r);
  __m512 p = _mm512_set1_ps(1.0f / 5040);
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f / 720));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f / 120));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f / 24));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f / 6));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(0.5f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f));
  return _mm512_scalef_ps(p, n);
}

inline float sqrt_f32(float v) { return _mm_cvtss_f32(_mm_sqrt_ss(_mm_set_ss(v))); }

float dot_f32_avx512(const float* a, const float* b, int64_t n) {
  __m512 acc0 = _mm512_setzero_ps(), acc1 = _mm512_setzero_ps(), acc2 = _mm512_setzero_ps(),
         acc3 = _mm512_setzero_ps();
  int64_t i = 0;
  for (; i + 4 * kLanes <= n; i += 4 * kLanes) {
    acc0 = _mm512_fmadd_ps(_mm512_loadu_ps(a + i), _mm512_loadu_ps(b + i), acc0);
    acc1 = _mm512_fmadd_ps(_mm512_loadu_ps(a + i + kLanes), _mm512_loadu_ps(b + i + kLanes), acc1);
    acc2 = _mm512_fmadd_ps(_mm512_loadu_ps(a + i + 2 * kLanes), _mm512_loadu_ps(b + i + 2 * kLanes), acc2);
    acc3 = _mm512_fmadd_ps(_mm512_loadu_ps(a + i + 3 * kLanes), _mm512_loadu_ps(b + i + 3 * kLanes), acc3);
  }
  for (; i + kLanes <= n; i += kLanes) acc0 = _mm512_fmadd_ps(_mm512_loadu_ps(a + i), _mm512_loadu_ps(b + i), acc0);
  if (i < n) {
    const __mmask16 m = tail_mask(n - i);
    acc1 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(m, a + i), _mm512_maskz_loadu_ps(m, b + i), acc1);
  }
  return _mm512_reduce_add_ps(_mm512_add_ps(_mm512_add_ps(acc0, acc1), _mm512_add_ps(acc2, acc3)));
}

float sum_of_squares(const float* x, int64_t n) {
  __m512 acc0 = _mm512_setzero_ps(), acc1 = _mm512_setzero_ps();
  int64_t i = 0;
  for (; i + 2 * kLanes <= n; i += 2 * kLanes) {
    const __m512 v0 = _mm512_loadu_ps(x + i), v1 = _mm512_loadu_ps(x + i + kLanes);
    acc0 = _mm512_fmadd_ps(v0, v0, acc0);
    acc1 = _mm512_fmadd_ps(v1, v1, acc1);
  }
  for (; i + kLanes <= n; i += kLanes) {
    const __m512 v = _mm512_loadu_ps(x + i);
    acc0 = _mm512_fmadd_ps(v, v, acc0);
  }
  if (i < n) {
    const __m512 v = _mm512_maskz_loadu_ps(tail_mask(n - i), x + i);
    acc1 = _mm512_fmadd_ps(v, v, acc1);
  }
  return _mm512_reduce_add_ps(_mm512_add_ps(acc0, acc1));
}

void rmsnorm_avx512(const float* x, const float* w, float* y, int64_t n, float eps) {
  const float mean = n > 0 ? sum_of_squares(x, n) / static_cast<float>(n) : 0.0f;
  const __m512 scale = _mm512_set1_ps(1.0f / sqrt_f32(mean + eps));
  int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes)
    _mm512_storeu_ps(y + i, _mm512_mul_ps(_mm512_mul_ps(_mm512_loadu_ps(x + i), scale), _mm512_loadu_ps(w + i)));
  if (i < n) {
    const __mmask16 m = tail_mask(n - i);
    _mm512_mask_storeu_ps(y + i, m,
                          _mm512_mul_ps(_mm512_mul_ps(_mm512_maskz_loadu_ps(m, x + i), scale),
                                        _mm512_maskz_loadu_ps(m, w + i)));
  }
}

void softmax_avx512(float* x, int64_t n) {
  if (n <= 0) return;
  const __m512 neg_inf = _mm512_set1_ps(-__builtin_inff());
  __m512 vmax = neg_inf;
  int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes) vmax = _mm512_max_ps(vmax, _mm512_loadu_ps(x + i));
  if (i < n) vmax = _mm512_max_ps(vmax, _mm512_mask_loadu_ps(neg_inf, tail_mask(n - i), x + i));
  const __m512 max = _mm512_set1_ps(_mm512_reduce_max_ps(vmax));

  __m512 vsum = _mm512_setzero_ps();
  for (i = 0; i + kLanes <= n; i += kLanes) {
    const __m512 e = exp_ps(_mm512_sub_ps(_mm512_loadu_ps(x + i), max));
    _mm512_storeu_ps(x + i, e);
    vsum = _mm512_add_ps(vsum, e);
  }
  if (i < n) {
    const __mmask16 m = tail_mask(n - i);
    const __m512 e = exp_ps(_mm512_sub_ps(_mm512_mask_loadu_ps(max, m, x + i), max));
    _mm512_mask_storeu_ps(x + i, m, e);
    vsum = _mm512_mask_add_ps(vsum, m, vsum, e);
  }
  const __m512 inv_sum = _mm512_set1_ps(1.0f / _mm512_reduce_add_ps(vsum));
  for (i = 0; i + kLanes <= n; i += kLanes) _mm512_storeu_ps(x + i, _mm512_mul_ps(_mm512_loadu_ps(x + i), inv_sum));
  if (i < n) {
    const __mmask16 m = tail_mask(n - i);
    _mm512_mask_storeu_ps(x + i, m, _mm512_mul_ps(_mm512_maskz_loadu_ps(m, x + i), inv_sum));
  }
}

inline __m512 silu_mul_vec(__m512 g, __m512 u) {
  const __m512 one = _mm512_set1_ps(1.0f);
  const __m512 e = exp_ps(_mm512_sub_ps(_mm512_setzero_ps(), g));
  return _mm512_mul_ps(_mm512_div_ps(g, _mm512_add_ps(one, e)), u);
}

void silu_mul_avx512(const float* gate, const float* up, float* out, int64_t n) {
  int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes)
    _mm512_storeu_ps(out + i, silu_mul_vec(_mm512_loadu_ps(gate + i), _mm512_loadu_ps(up + i)));
  if (i < n) {
    const __mmask16 m = tail_mask(n - i);
    _mm512_mask_storeu_ps(out + i, m, silu_mul_vec(_mm512_maskz_loadu_ps(m, gate + i), _mm512_maskz_loadu_ps(m, up + i)));
  }
}

void axpy_avx512(float a, const float* x, float* y, int64_t n) {
  const __m512 va = _mm512_set1_ps(a);
  int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes)
    _mm512_storeu_ps(y + i, _mm512_fmadd_ps(va, _mm512_loadu_ps(x + i), _mm512_loadu_ps(y + i)));
  if (i < n) {
    const __mmask16 m = tail_mask(n - i);
    _mm512_mask_storeu_ps(y + i, m, _mm512_fmadd_ps(va, _mm512_maskz_loadu_ps(m, x + i), _mm512_maskz_loadu_ps(m, y + i)));
  }
}

}  // namespace

void register_math_avx512(KernelTable& t) {
  t.gemm_nt_f32 = gemm_nt_f32_avx512;
  t.dot_f32 = dot_f32_avx512;
  t.rmsnorm = rmsnorm_avx512;
  t.softmax = softmax_avx512;
  t.silu_mul = silu_mul_avx512;
  t.axpy = axpy_avx512;
  t.gemm_isa = t.dot_isa = t.rmsnorm_isa = t.softmax_isa = t.silu_mul_isa = t.axpy_isa = Isa::kAvx512;
}

}  // namespace coreinfer::kernels
