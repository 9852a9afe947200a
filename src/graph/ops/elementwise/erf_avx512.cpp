// erf and exact Gelu with AVX-512, 16 floats per vector: the formulas and constants of
// erf_fast.h, with FMA, exp's 2^n by scalef, and a masked tail.
#if defined(__x86_64__)
#include <immintrin.h>

#include "graph/ops/elementwise/erf_fast.h"
#include "graph/ops/elementwise/erf_kernels.h"

namespace coreinfer::elementwise {
namespace {

inline __m512 horner7(__m512 v, float c6, float c5, float c4, float c3, float c2, float c1, float c0) {
  __m512 p = _mm512_set1_ps(c6);
  p = _mm512_fmadd_ps(p, v, _mm512_set1_ps(c5));
  p = _mm512_fmadd_ps(p, v, _mm512_set1_ps(c4));
  p = _mm512_fmadd_ps(p, v, _mm512_set1_ps(c3));
  p = _mm512_fmadd_ps(p, v, _mm512_set1_ps(c2));
  p = _mm512_fmadd_ps(p, v, _mm512_set1_ps(c1));
  return _mm512_fmadd_ps(p, v, _mm512_set1_ps(c0));
}

// e^x for the arguments erf16 makes, within [-18, 0], so no clamping: Cephes polynomial on
// x - n ln2 (as exp_clamped in fast_math.h), 2^n by scalef.
inline __m512 exp_small(__m512 x) {
  const __m512 n = _mm512_roundscale_ps(_mm512_mul_ps(x, _mm512_set1_ps(1.44269504088896341f)),
                                        _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  __m512 r = _mm512_fnmadd_ps(n, _mm512_set1_ps(0.693359375f), x);
  r = _mm512_fnmadd_ps(n, _mm512_set1_ps(-2.12194440e-4f), r);
  __m512 p = _mm512_set1_ps(1.9875691500e-4f);
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.3981999507e-3f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(8.3334519073e-3f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(4.1665795894e-2f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.6666665459e-1f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(5.0000001201e-1f));
  const __m512 e = _mm512_add_ps(_mm512_fmadd_ps(p, _mm512_mul_ps(r, r), r), _mm512_set1_ps(1.0f));
  return _mm512_scalef_ps(e, n);
}

inline __m512 erf16(__m512 x) {
  using namespace erf_coeff;
  const __m512 a = _mm512_abs_ps(x);
  const __m512 c = _mm512_min_ps(_mm512_set1_ps(kErfOne), a);  // min(const, NaN) is NaN
  const __m512 t = _mm512_mul_ps(c, c);
  const __m512 small = _mm512_mul_ps(c, horner7(t, kS6, kS5, kS4, kS3, kS2, kS1, kS0));
  const __m512 s = _mm512_sub_ps(c, _mm512_set1_ps(kLogCenter));
  const __m512 l = horner7(s, kL6, kL5, kL4, kL3, kL2, kL1, kL0);
  const __m512 large = _mm512_sub_ps(_mm512_set1_ps(1.0f), exp_small(l));
  __m512 r = _mm512_mask_blend_ps(_mm512_cmp_ps_mask(c, _mm512_set1_ps(kSplit), _CMP_LT_OQ), large, small);
  r = _mm512_mask_blend_ps(_mm512_cmp_ps_mask(a, _mm512_set1_ps(kErfOne), _CMP_GT_OQ), r, _mm512_set1_ps(1.0f));
  const __m512i sign = _mm512_and_si512(_mm512_castps_si512(x), _mm512_set1_epi32(static_cast<int>(0x80000000u)));
  return _mm512_castsi512_ps(_mm512_or_si512(_mm512_castps_si512(r), sign));
}

inline __m512 gelu16(__m512 x) {
  const __m512 e = erf16(_mm512_mul_ps(x, _mm512_set1_ps(0.70710678118654752440f)));
  const __m512 half_x = _mm512_mul_ps(x, _mm512_set1_ps(0.5f));
  return _mm512_fmadd_ps(half_x, e, half_x);
}

template <typename F>
inline void map16(const float* x, float* y, int64_t n, F f) {
  int64_t i = 0;
  for (; i + 16 <= n; i += 16) _mm512_storeu_ps(y + i, f(_mm512_loadu_ps(x + i)));
  if (i < n) {
    const __mmask16 m = static_cast<__mmask16>((1u << (n - i)) - 1);
    _mm512_mask_storeu_ps(y + i, m, f(_mm512_maskz_loadu_ps(m, x + i)));
  }
}

}  // namespace

void erf_avx512(const float* x, float* y, int64_t n) { map16(x, y, n, erf16); }

void gelu_erf_avx512(const float* x, float* y, int64_t n) { map16(x, y, n, gelu16); }

}  // namespace coreinfer::elementwise
#endif
