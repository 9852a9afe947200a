// AVX-512 quantize_row (quantize_row.h), 16 values per step: the same IEEE division and clamp
// as the scalar loop (max_ps(v, lo) returns lo for NaN), cvtps2dq rounding half to even (the
// default MXCSR mode) as the magic-number add does for the clamped values, and a saturating
// narrowing that is exact inside the output range.
#if defined(__x86_64__)
#include <immintrin.h>

#include "graph/ops/quant/quantize_row.h"

namespace coreinfer::quant {

void quantize_row_avx512(const float* x, int64_t n, float scale, float lo, float hi, int32_t zp, bool is_signed, void* y) {
  const __m512 s = _mm512_set1_ps(scale), lo_v = _mm512_set1_ps(lo), hi_v = _mm512_set1_ps(hi);
  const __m512i zp_v = _mm512_set1_epi32(zp);
  auto* out = static_cast<uint8_t*>(y);
  for (int64_t i = 0; i < n; i += 16) {
    const int64_t left = n - i;
    const __mmask16 m = left >= 16 ? static_cast<__mmask16>(0xFFFF) : static_cast<__mmask16>((1u << left) - 1);
    __m512 v = _mm512_div_ps(_mm512_maskz_loadu_ps(m, x + i), s);
    v = _mm512_min_ps(_mm512_max_ps(v, lo_v), hi_v);
    const __m512i q = _mm512_add_epi32(_mm512_cvtps_epi32(v), zp_v);
    if (is_signed) _mm512_mask_cvtsepi32_storeu_epi8(out + i, m, q);
    else _mm512_mask_cvtusepi32_storeu_epi8(out + i, m, q);
  }
}

}  // namespace coreinfer::quant
#endif
