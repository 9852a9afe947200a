// The MaxPool fast path over one plane, compiled once per ISA (max_pool_2d_generic.cpp,
// max_pool_2d_avx512.cpp): everything here has internal linkage, so each including file gets its
// own copy built with its flags.
#pragma once

#include <algorithm>
#include <cstdint>
#include <limits>
#if defined(__AVX512F__)
#include <immintrin.h>
#endif

#include "graph/ops/nn/window_geometry.h"

namespace coreinfer::nn {
namespace {

// Folds one row of taps into the outputs acc[0..n): acc[i] = max(acc[i], row[i * stride + k]) for
// k < kernel, with the generic path's rule (a later tap wins only if strictly greater, so a NaN
// first tap sticks and later NaNs are skipped). `first` stores the first tap instead of folding.
// A compile-time stride (1 or 2) lets the compiler vectorise the loop over outputs.
template <int kStride>
void fold_window_row(const float* __restrict row, int64_t stride, int64_t kernel, int64_t n, bool first,
                     float* __restrict acc) {
#if defined(__AVX512F__)
  // 16 outputs at a time, the running max kept in a register across the row's taps; the tail
  // through masks (a masked-off lane never faults). max_ps(v, m) is v > m ? v : m, the rule above.
  if constexpr (kStride == 1 || kStride == 2) {
    const __m512i even = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
    auto lanes = [](int64_t k) {
      return k >= 16 ? __mmask16(0xFFFF) : k <= 0 ? __mmask16(0) : static_cast<__mmask16>((1u << k) - 1);
    };
    for (int64_t i = 0; i < n; i += 16) {
      const int64_t left = std::min<int64_t>(16, n - i);
      const __mmask16 out = lanes(left);
      __m512 m = first ? _mm512_setzero_ps() : _mm512_maskz_loadu_ps(out, acc + i);
      for (int64_t k = 0; k < kernel; ++k) {
        const float* r = row + k + i * kStride;
        __m512 v;
        if constexpr (kStride == 1) {
          v = _mm512_maskz_loadu_ps(out, r);
        } else {  // r[0], r[2], ..., r[2 * (left - 1)]
          const int64_t reads = 2 * left - 1;
          v = _mm512_permutex2var_ps(_mm512_maskz_loadu_ps(lanes(reads), r), even,
                                     _mm512_maskz_loadu_ps(lanes(reads - 16), r + 16));
        }
        m = first && k == 0 ? v : _mm512_max_ps(v, m);
      }
      _mm512_mask_storeu_ps(acc + i, out, m);
    }
    return;
  }
#endif
  const int64_t s = kStride > 0 ? kStride : stride;
  for (int64_t k = 0; k < kernel; ++k) {
    const float* __restrict r = row + k;
    if (first && k == 0) {
      for (int64_t i = 0; i < n; ++i) acc[i] = r[i * s];
      continue;
    }
    for (int64_t i = 0; i < n; ++i) {
      const float v = r[i * s];
      acc[i] = v > acc[i] ? v : acc[i];
    }
  }
}

// One output of a window clipped to the input: taps [h_lo, h_hi) x [w_lo, w_hi), row-major.
float max_clipped(const float* xp, int64_t in_w, int64_t h_lo, int64_t h_hi, int64_t w_lo, int64_t w_hi) {
  float best = -std::numeric_limits<float>::infinity();
  bool any = false;
  for (int64_t h = h_lo; h < h_hi; ++h)
    for (int64_t w = w_lo; w < w_hi; ++w) {
      const float v = xp[h * in_w + w];
      if (v > best || !any) best = v;
      any = true;
    }
  return best;
}

// MaxPool over one 2-D (or 1-D) plane with dilation 1: per output row, the columns whose window
// lies inside the input run as vector folds over the output row; the border columns clip.
void max_pool_plane_impl(const WindowGeometry& g, const float* xp, float* yp) {
  const int64_t in_h = g.in[1], in_w = g.in[2], out_h = g.out[1], out_w = g.out[2];
  const int64_t kh = g.kernel[1], kw = g.kernel[2], sh = g.stride[1], sw = g.stride[2];
  const int64_t ph = g.pad_begin[1], pw = g.pad_begin[2];
  // Interior columns [ow_lo, ow_hi): ow * sw - pw >= 0 and ow * sw - pw + kw <= in_w.
  const int64_t ow_lo = std::min(out_w, (pw + sw - 1) / sw);
  const int64_t ow_hi =
      in_w + pw - kw < 0 ? ow_lo : std::clamp<int64_t>((in_w + pw - kw) / sw + 1, ow_lo, out_w);
  for (int64_t oh = 0; oh < out_h; ++oh) {
    float* yrow = yp + oh * out_w;
    const int64_t h0 = oh * sh - ph;
    const int64_t h_lo = std::max<int64_t>(0, h0), h_hi = std::min(in_h, h0 + kh);
    auto clipped = [&](int64_t ow) {
      const int64_t w0 = ow * sw - pw;
      yrow[ow] = max_clipped(xp, in_w, h_lo, h_hi, std::max<int64_t>(0, w0), std::min(in_w, w0 + kw));
    };
    for (int64_t ow = 0; ow < ow_lo; ++ow) clipped(ow);
    for (int64_t ow = ow_hi; ow < out_w; ++ow) clipped(ow);
    const int64_t n = ow_hi - ow_lo;
    if (n <= 0) continue;
    if (h_lo >= h_hi) {
      std::fill(yrow + ow_lo, yrow + ow_hi, -std::numeric_limits<float>::infinity());
      continue;
    }
    for (int64_t h = h_lo; h < h_hi; ++h) {
      const float* row = xp + h * in_w + (ow_lo * sw - pw);
      if (sw == 1)
        fold_window_row<1>(row, sw, kw, n, h == h_lo, yrow + ow_lo);
      else if (sw == 2)
        fold_window_row<2>(row, sw, kw, n, h == h_lo, yrow + ow_lo);
      else
        fold_window_row<0>(row, sw, kw, n, h == h_lo, yrow + ow_lo);
    }
  }
}

}  // namespace
}  // namespace coreinfer::nn
