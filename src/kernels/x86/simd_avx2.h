// Small helpers for the *_avx2.cpp kernels. Include only from files compiled with the AVX2
// flags; everything has internal linkage (see kernels/quant/blocks.h for why).
#pragma once

#include <immintrin.h>

#include <cstdint>

namespace coreinfer::kernels::avx2 {

static inline float hsum(__m256 v) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}

static inline float half_to_float(uint16_t h) { return _cvtsh_ss(h); }

// 8 bytes at p, zero- or sign-extended to 8 int32 lanes.
static inline __m256i load_u8x8(const uint8_t* p) {
  return _mm256_cvtepu8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(p)));
}
static inline __m256i load_i8x8(const int8_t* p) {
  return _mm256_cvtepi8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(p)));
}

static inline __m256 to_float(__m256i v) { return _mm256_cvtepi32_ps(v); }

}  // namespace coreinfer::kernels::avx2
