// AVX-512 VNNI kernel of conv_gemm_nhwc.h: tiles of up to 6 pixels x 4 vectors of 16 output
// channels, the sums started at term[oc], requantised in registers and narrowed by saturating
// packs into one store of up to 64 bytes per pixel.
#if defined(__x86_64__)
#include <immintrin.h>

#include <algorithm>
#include <cstring>

#include "graph/ops/quant/conv_gemm_nhwc.h"
#include "graph/ops/quant/requant_avx512.h"

namespace coreinfer::quant {
namespace {

constexpr int kMaxRows = 6;
constexpr int kMaxVectors = 4;

// FLIP: int8 input, every X byte XOR 0x80 (after a broadcast straight from memory)
template <int MR, int NV, bool FLIP>
void tile(const PackedNhwcWeights& w, int64_t oc0, const uint8_t* x, int64_t ldx, int64_t r0, int64_t oc_end,
          const NhwcRequantOutput& out) {
  __m512i acc[MR][NV];
#pragma GCC unroll 4
  for (int v = 0; v < NV; ++v) {
    const __m512i term = _mm512_loadu_si512(out.term + oc0 + 16 * v);
#pragma GCC unroll 6
    for (int r = 0; r < MR; ++r) acc[r][v] = term;
  }
  const int64_t k4 = w.k_padded / 4;
  const int8_t* wq[NV];  // vector v's weights at the first step of K (a block may start mid-way)
#pragma GCC unroll 4
  for (int v = 0; v < NV; ++v) wq[v] = w.w.data() + nhwc_weight_index(w.k_padded, oc0 + 16 * v, 0);
  const uint8_t* xr = x + r0 * ldx;
  const __m512i flips = _mm512_set1_epi8(static_cast<char>(0x80));
  for (int64_t q = 0; q < k4; ++q, xr += 4) {
    __m512i wv[NV];
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) wv[v] = _mm512_loadu_si512(wq[v] + q * kNhwcColumnBlock * 4);
#pragma GCC unroll 6
    for (int r = 0; r < MR; ++r) {
      int32_t word;
      std::memcpy(&word, xr + r * ldx, 4);
      __m512i xb = _mm512_set1_epi32(word);
      if (FLIP) xb = _mm512_xor_si512(xb, flips);
#pragma GCC unroll 4
      for (int v = 0; v < NV; ++v) acc[r][v] = _mm512_dpbusd_epi32(acc[r][v], xb, wv[v]);
    }
  }
  const __m512 lo = _mm512_set1_ps(out.lo), hi = _mm512_set1_ps(out.hi);
  const __m512i zp = _mm512_set1_epi32(out.zero_point);
  __m512 scale[NV];
  __m512i wz[NV];
#pragma GCC unroll 4
  for (int v = 0; v < NV; ++v) {
    scale[v] = _mm512_loadu_ps(out.scale + oc0 + 16 * v);
    wz[v] = out.pixel_sum != nullptr ? _mm512_loadu_si512(w.zero_points.data() + oc0 + 16 * v) : _mm512_setzero_si512();
  }
  const int64_t n = std::min<int64_t>(oc_end - oc0, 16 * NV);  // channels of the tile to store (> 0)
  const __mmask64 store = n >= 64 ? ~__mmask64{0} : (__mmask64{1} << n) - 1;
#pragma GCC unroll 6
  for (int r = 0; r < MR; ++r) {
    __m512i q[4];
#pragma GCC unroll 4
    for (int v = 0; v < 4; ++v) {
      if (v >= NV) {
        q[v] = _mm512_setzero_si512();
        continue;
      }
      __m512i a = acc[r][v];
      if (out.pixel_sum != nullptr) a = _mm512_sub_epi32(a, _mm512_mullo_epi32(wz[v], _mm512_set1_epi32(out.pixel_sum[r0 + r])));
      __m512 f = _mm512_mul_ps(_mm512_cvtepi32_ps(a), scale[v]);
      if (!out.small_scales) f = _mm512_min_ps(_mm512_max_ps(f, lo), hi);
      q[v] = _mm512_add_epi32(_mm512_cvtps_epi32(f), zp);
    }
    _mm512_mask_storeu_epi8(out.y + (r0 + r) * out.ldy + oc0, store, narrow_to_bytes(q, out.is_signed));
  }
}

template <int NV, bool FLIP>
void column_block(const PackedNhwcWeights& w, int64_t oc0, const uint8_t* x, int64_t ldx, int64_t rows, int64_t oc_end,
                  const NhwcRequantOutput& out) {
  int64_t r = 0;
  for (; r + kMaxRows <= rows; r += kMaxRows) tile<kMaxRows, NV, FLIP>(w, oc0, x, ldx, r, oc_end, out);
  switch (rows - r) {
    case 5: tile<5, NV, FLIP>(w, oc0, x, ldx, r, oc_end, out); break;
    case 4: tile<4, NV, FLIP>(w, oc0, x, ldx, r, oc_end, out); break;
    case 3: tile<3, NV, FLIP>(w, oc0, x, ldx, r, oc_end, out); break;
    case 2: tile<2, NV, FLIP>(w, oc0, x, ldx, r, oc_end, out); break;
    case 1: tile<1, NV, FLIP>(w, oc0, x, ldx, r, oc_end, out); break;
    default: break;
  }
}

template <bool FLIP>
void columns(const PackedNhwcWeights& w, int64_t oc_begin, int64_t oc_end, const uint8_t* x, int64_t ldx, int64_t rows,
             const NhwcRequantOutput& out) {
  int64_t oc = oc_begin;
  for (; oc < oc_end && oc_end - oc > 16 * (kMaxVectors - 1); oc += 16 * kMaxVectors)  // the last one may be partial
    column_block<kMaxVectors, FLIP>(w, oc, x, ldx, rows, oc_end, out);
  switch ((oc_end - oc + 15) / 16) {
    case 3: column_block<3, FLIP>(w, oc, x, ldx, rows, oc_end, out); break;
    case 2: column_block<2, FLIP>(w, oc, x, ldx, rows, oc_end, out); break;
    case 1: column_block<1, FLIP>(w, oc, x, ldx, rows, oc_end, out); break;
    default: break;
  }
}

}  // namespace

void nhwc_gemm_avx512vnni(const PackedNhwcWeights& w, int64_t oc_begin, int64_t oc_end, const uint8_t* x, int64_t ldx,
                          int64_t rows, uint8_t flip, const NhwcRequantOutput& out) {
  if (flip != 0) columns<true>(w, oc_begin, oc_end, x, ldx, rows, out);
  else columns<false>(w, oc_begin, oc_end, x, ldx, rows, out);
}

}  // namespace coreinfer::quant
#endif
