// AVX-512 VNNI kernel of conv_gemm.h: tiles of 4 output channels x 4 vectors of 16 pixels.
#if defined(__x86_64__)
#include <immintrin.h>

#include <cstring>

#include "graph/ops/quant/conv_gemm.h"
#include "graph/ops/quant/requant_row.h"

namespace coreinfer::quant {
namespace {

template <int MR, int NV>
void tile(const int8_t* w, int64_t kp, const uint8_t* x, int64_t pixels, int32_t* c) {
  __m512i acc[MR][NV];
#pragma GCC unroll 8
  for (int r = 0; r < MR; ++r)
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) acc[r][v] = _mm512_setzero_si512();
  const int64_t k4 = kp / 4;
  for (int64_t q = 0; q < k4; ++q) {
    __m512i xv[NV];
    const uint8_t* xq = x + q * pixels * 4;
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) xv[v] = _mm512_loadu_si512(xq + v * 64);
#pragma GCC unroll 8
    for (int r = 0; r < MR; ++r) {
      int32_t word;
      std::memcpy(&word, w + r * kp + 4 * q, 4);
      const __m512i wb = _mm512_set1_epi32(word);
#pragma GCC unroll 4
      for (int v = 0; v < NV; ++v) acc[r][v] = _mm512_dpbusd_epi32(acc[r][v], xv[v], wb);
    }
  }
#pragma GCC unroll 8
  for (int r = 0; r < MR; ++r)
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) _mm512_storeu_si512(c + r * pixels + v * 16, acc[r][v]);
}

template <int NV>
void pixel_group(const PackedConvWeights& w, int64_t oc_begin, int64_t oc_end, const uint8_t* x, int64_t pixels,
                 int32_t* c) {
  const int64_t kp = w.k_padded;
  int64_t oc = oc_begin;
  for (; oc + 6 <= oc_end; oc += 6) tile<6, NV>(w.w.data() + oc * kp, kp, x, pixels, c + oc * pixels);
  for (; oc < oc_end; ++oc) tile<1, NV>(w.w.data() + oc * kp, kp, x, pixels, c + oc * pixels);
}

}  // namespace

void conv_gemm_avx512vnni(const PackedConvWeights& w, int64_t oc_begin, int64_t oc_end, const uint8_t* x,
                          int64_t pixels, int32_t* c) {
  int64_t v = 0;
  const int64_t vectors = pixels / 16;
  for (; v + 4 <= vectors; v += 4) pixel_group<4>(w, oc_begin, oc_end, x + v * 64, pixels, c + v * 16);
  switch (vectors - v) {
    case 3: pixel_group<3>(w, oc_begin, oc_end, x + v * 64, pixels, c + v * 16); break;
    case 2: pixel_group<2>(w, oc_begin, oc_end, x + v * 64, pixels, c + v * 16); break;
    case 1: pixel_group<1>(w, oc_begin, oc_end, x + v * 64, pixels, c + v * 16); break;
    default: break;
  }
}

// Only AVX-512 F/BW/VL/DQ code is generated here (no VNNI instruction), so it runs wherever
// best_requant_row() selects it.
void requant_row_avx512(const int32_t* c, int64_t n, int32_t term, int32_t wz, const int32_t* pixel_sum,
                        const Requant& rq, bool is_signed, void* y) {
  requant_row_dispatch(c, n, term, wz, pixel_sum, rq, is_signed, y);
}

}  // namespace coreinfer::quant
#endif
