// Small helpers for the *_avx512.cpp kernels. Include only from files compiled with the
// AVX-512 flags; everything has internal linkage (see kernels/quant/blocks.h for why).
#pragma once

#include <immintrin.h>

#include <cstdint>

namespace coreinfer::kernels::avx512 {

static inline float half_to_float(uint16_t h) { return _cvtsh_ss(h); }

// 16 bytes at p, zero- or sign-extended to 16 int32 lanes.
static inline __m512i load_u8x16(const uint8_t* p) {
  return _mm512_cvtepu8_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
}
static inline __m512i load_i8x16(const int8_t* p) {
  return _mm512_cvtepi8_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
}

static inline __m512 to_float(__m512i v) { return _mm512_cvtepi32_ps(v); }

// Software prefetch distance for the weight-row kernels: the hardware prefetchers alone left one
// core well below its streaming bandwidth (Q4_0 14 vs ~24 GB/s, kernels_bench weight_dot/stream).
inline constexpr int kPrefetchBytes = 3072;
// Prefetches the cache lines of [p + kPrefetchBytes, p + kPrefetchBytes + bytes).
template <int kBytes>
[[gnu::always_inline]] static inline void prefetch_ahead(const void* p) {
  for (int off = 0; off < kBytes; off += 64)
    _mm_prefetch(static_cast<const char*>(p) + kPrefetchBytes + off, _MM_HINT_T0);
}

}  // namespace coreinfer::kernels::avx512
