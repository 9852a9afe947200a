// requantize() of quant_util.h on 16 int32 lanes, for the AVX-512 kernels only (include from
// *_avx512*.cpp files): the same float product and clamp; cvtps2dq rounds half to even (the
// default MXCSR mode) as the magic-number add does for the clamped |v| <= 65535.
#pragma once

#include <immintrin.h>

#include "graph/ops/quant/quant_util.h"

namespace coreinfer::quant {

static inline __m512i requantize16(__m512i acc, const Requant& r) {
  __m512 v = _mm512_mul_ps(_mm512_cvtepi32_ps(acc), _mm512_set1_ps(r.scale));
  v = _mm512_min_ps(_mm512_max_ps(v, _mm512_set1_ps(r.lo)), _mm512_set1_ps(r.hi));
  return _mm512_add_epi32(_mm512_cvtps_epi32(v), _mm512_set1_epi32(r.zero_point));
}

}  // namespace coreinfer::quant
