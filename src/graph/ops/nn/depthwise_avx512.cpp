// Depthwise convolution with AVX-512: 16 outputs of a row per vector, accumulated in a register
// over the whole window; masked loads read the input row with the padding as zeros (masked-off
// lanes never touch memory). Stride 2 loads 32 inputs and keeps the even ones. Other strides
// and 3-D windows use the portable loop compiled with these flags.
#if defined(__x86_64__)
#include <immintrin.h>

#include <algorithm>

#include "graph/ops/nn/depthwise.h"
#include "graph/ops/nn/depthwise_impl.h"

namespace coreinfer::nn {
namespace {

// Bits [lo, hi) of a 32-bit mask, clamped to [0, width).
inline uint32_t range_mask(int64_t lo, int64_t hi, int width) {
  lo = std::max<int64_t>(lo, 0);
  hi = std::min<int64_t>(hi, width);
  if (hi <= lo) return 0;
  const uint64_t upto_hi = (uint64_t{1} << hi) - 1, below_lo = (uint64_t{1} << lo) - 1;
  return static_cast<uint32_t>(upto_hi & ~below_lo);
}

constexpr int64_t kMaxKw = 16;  // wider windows use the portable loop

// Output columns [ow_base, ow_base + 16 * C) of every row: C independent accumulators so the
// FMA latency overlaps, the per-lane masks of each (chunk, kw) computed once for all rows.
template <int kStride, int C>
void columns(const WindowGeometry& g, const float* x, const float* w, float bias, float* y, int64_t ow_base) {
  const int64_t H = g.in[1], W = g.in[2], OH = g.out[1], OW = g.out[2];
  const int64_t KH = g.kernel[1], KW = g.kernel[2];
  const int64_t sh = g.stride[1], dh = g.dilation[1], dw = g.dilation[2], ph = g.pad_begin[1], pw = g.pad_begin[2];
  const __m512i even = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
  int64_t start[kMaxKw][C];
  uint32_t mask[kMaxKw][C];
  __mmask16 store[C];
  for (int c = 0; c < C; ++c) {
    const int64_t ow0 = ow_base + 16 * c, n = std::min<int64_t>(16, OW - ow0);
    store[c] = static_cast<__mmask16>((1u << n) - 1);
    for (int64_t kw = 0; kw < KW; ++kw) {
      start[kw][c] = ow0 * kStride + kw * dw - pw;  // input column of lane 0
      mask[kw][c] = range_mask(-start[kw][c], W - start[kw][c], kStride * 16);
    }
  }
  for (int64_t oh = 0; oh < OH; ++oh) {
    __m512 acc[C];
    for (int c = 0; c < C; ++c) acc[c] = _mm512_set1_ps(bias);
    for (int64_t kh = 0; kh < KH; ++kh) {
      const int64_t ih = oh * sh - ph + kh * dh;
      if (ih < 0 || ih >= H) continue;
      const float* row = x + ih * W;
      for (int64_t kw = 0; kw < KW; ++kw) {
        const __m512 wv = _mm512_set1_ps(w[kh * KW + kw]);
        for (int c = 0; c < C; ++c) {
          const float* p = row + start[kw][c];
          __m512 v;
          if constexpr (kStride == 1) {
            v = _mm512_maskz_loadu_ps(static_cast<__mmask16>(mask[kw][c]), p);
          } else {
            const __m512 lo = _mm512_maskz_loadu_ps(static_cast<__mmask16>(mask[kw][c] & 0xFFFF), p);
            const __m512 hi = _mm512_maskz_loadu_ps(static_cast<__mmask16>(mask[kw][c] >> 16), p + 16);
            v = _mm512_permutex2var_ps(lo, even, hi);
          }
          acc[c] = _mm512_fmadd_ps(wv, v, acc[c]);
        }
      }
    }
    float* orow = y + oh * OW + ow_base;
    for (int c = 0; c < C; ++c) _mm512_mask_storeu_ps(orow + 16 * c, store[c], acc[c]);
  }
}

template <int kStride>
void plane_2d(const WindowGeometry& g, const float* x, const float* w, float bias, float* y) {
  const int64_t OW = g.out[2];
  for (int64_t ow_base = 0; ow_base < OW; ow_base += 64) {
    switch (std::min<int64_t>(4, (OW - ow_base + 15) / 16)) {
      case 1: columns<kStride, 1>(g, x, w, bias, y, ow_base); break;
      case 2: columns<kStride, 2>(g, x, w, bias, y, ow_base); break;
      case 3: columns<kStride, 3>(g, x, w, bias, y, ow_base); break;
      default: columns<kStride, 4>(g, x, w, bias, y, ow_base); break;
    }
  }
}

}  // namespace

void depthwise_plane_avx512(const WindowGeometry& g, const float* x, const float* w, float bias, float* y) {
  const bool flat = g.kernel[0] == 1 && g.in[0] == 1 && g.out[0] == 1 && g.pad_begin[0] == 0 && g.kernel[2] <= kMaxKw;
  if (flat && g.stride[2] == 1) return plane_2d<1>(g, x, w, bias, y);
  if (flat && g.stride[2] == 2) return plane_2d<2>(g, x, w, bias, y);
  detail::depthwise_plane(g, x, w, bias, y);
}

}  // namespace coreinfer::nn
#endif
