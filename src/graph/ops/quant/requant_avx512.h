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

// Four vectors of 16 int32 (inside the output type's range, or to be clamped to it) as 64 bytes
// in order: the saturating packs give, per 128-bit lane i, dwords (q0[i], q1[i], q2[i], q3[i]),
// which the dword permutation puts back (output dword 4j + i <- packed dword 4i + j).
static inline __m512i narrow_to_bytes(const __m512i (&q)[4], bool is_signed) {
  const __m512i w01 = _mm512_packs_epi32(q[0], q[1]), w23 = _mm512_packs_epi32(q[2], q[3]);
  const __m512i b = is_signed ? _mm512_packs_epi16(w01, w23) : _mm512_packus_epi16(w01, w23);
  return _mm512_permutexvar_epi32(_mm512_set_epi32(15, 11, 7, 3, 14, 10, 6, 2, 13, 9, 5, 1, 12, 8, 4, 0), b);
}

}  // namespace coreinfer::quant
