// Depthwise convolution with AVX-512, 16 outputs per vector, bias, residual and Relu/Clip
// applied before the single store. A 3x3 window: with stride 1 and one pixel of padding
// ("same", MobileNet's) the plane is walked as one flat array (`plane_flat`, no lanes wasted at
// row ends); with stride 1 or 2 otherwise `plane_3x3` computes 4 output rows at once so each
// input row loaded serves every output row it reaches, stride 2 splitting two input vectors
// into their even and odd columns with one permute each. Both keep the nine weights in
// registers and use masked loads (padding read as zeros, masked-off lanes never touch memory)
// only at the plane's edges. Other 2-D windows accumulate a column block over the whole window
// (`columns`); 3-D windows use the portable loop compiled with these flags.
#if defined(__x86_64__)
#include <immintrin.h>

#include <algorithm>
#include <limits>

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

// Lanes [lo, hi) of a 16-lane mask, clamped to [0, 16).
inline __mmask16 lanes(int64_t lo, int64_t hi) {
  const uint32_t l = static_cast<uint32_t>(std::clamp<int64_t>(lo, 0, 16));
  const uint32_t h = static_cast<uint32_t>(std::clamp<int64_t>(hi, 0, 16));
  return static_cast<__mmask16>(((1u << h) - 1) & ~((1u << l) - 1));
}

// One plane of a 3x3 window: the constants of every row block.
struct Plane3x3 : detail::Plane3x3Args {
  __m512 wv[9];
  __m512 bias_v, lo_v, hi_v;
};

// The three taps (kw = 0, 1, 2) of 16 outputs whose window starts at input column `start`:
// tap kw holds columns start + kw + kStride * lane.
template <int kStride, bool kEdge>
inline void taps(const float* row, int64_t start, int64_t W, __m512 (&t)[3]) {
  if constexpr (kStride == 1) {
    for (int kw = 0; kw < 3; ++kw) {
      const int64_t s = start + kw;
      t[kw] = kEdge ? _mm512_maskz_loadu_ps(lanes(-s, W - s), row + s) : _mm512_loadu_ps(row + s);
    }
  } else {
    const __m512i even = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
    const __m512i odd = _mm512_setr_epi32(1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31);
    __m512 a, b, next;
    if constexpr (kEdge) {
      a = _mm512_maskz_loadu_ps(lanes(-start, W - start), row + start);
      b = _mm512_maskz_loadu_ps(lanes(-start - 16, W - start - 16), row + start + 16);
      next = _mm512_maskz_loadu_ps(lanes(-start - 32, W - start - 32) & 1, row + start + 32);
    } else {
      a = _mm512_loadu_ps(row + start);
      b = _mm512_loadu_ps(row + start + 16);
      next = _mm512_set1_ps(row[start + 32]);
    }
    t[0] = _mm512_permutex2var_ps(a, even, b);
    t[1] = _mm512_permutex2var_ps(a, odd, b);
    t[2] = _mm512_castsi512_ps(_mm512_alignr_epi32(_mm512_castps_si512(next), _mm512_castps_si512(t[0]), 1));
  }
}

// 16 columns from `ow0` of output rows oh0 .. oh0 + nr - 1 (nr <= R); rows[t] is input row
// oh0 * kStride - ph + t, or nullptr in the padding.
template <int kStride, int R, bool kEdge>
inline void block_3x3(const Plane3x3& p, const float* const* rows, int64_t oh0, int nr, int64_t ow0) {
  constexpr int T = (R - 1) * kStride + 3;
  const int64_t start = ow0 * kStride - p.pw;
  __m512 acc[R];
#pragma GCC unroll 8
  for (int r = 0; r < R; ++r) acc[r] = p.bias_v;
#pragma GCC unroll 16
  for (int t = 0; t < T; ++t) {
    if (!rows[t]) continue;
    __m512 v[3];
    taps<kStride, kEdge>(rows[t], start, p.W, v);
#pragma GCC unroll 8
    for (int r = 0; r < R; ++r) {
      const int kh = t - r * kStride;
      if (kh < 0 || kh > 2) continue;
      acc[r] = _mm512_fmadd_ps(v[0], p.wv[kh * 3 + 0], acc[r]);
      acc[r] = _mm512_fmadd_ps(v[1], p.wv[kh * 3 + 1], acc[r]);
      acc[r] = _mm512_fmadd_ps(v[2], p.wv[kh * 3 + 2], acc[r]);
    }
  }
  const __mmask16 store = lanes(0, p.OW - ow0);
#pragma GCC unroll 8
  for (int r = 0; r < R; ++r) {
    if (r >= nr) break;
    const int64_t at = (oh0 + r) * p.OW + ow0;
    __m512 v = acc[r];
    if (p.residual) v = _mm512_add_ps(v, _mm512_maskz_loadu_ps(store, p.residual + at));
    if (p.clamp) v = _mm512_min_ps(p.hi_v, _mm512_max_ps(p.lo_v, v));  // v second: NaN passes, as in bias_act
    _mm512_mask_storeu_ps(p.y + at, store, v);
  }
}

template <int kStride, int R>
void plane_3x3(const Plane3x3& p) {
  constexpr int T = (R - 1) * kStride + 3;
  // Column blocks whose taps all lie inside the row: ow0 in [interior_lo, interior_hi].
  const int64_t span = 16 * kStride + 3 - kStride;
  const int64_t interior_lo = (p.pw + kStride - 1) / kStride;
  const int64_t interior_hi = p.W - span + p.pw < 0 ? -1 : (p.W - span + p.pw) / kStride;
  for (int64_t oh0 = 0; oh0 < p.OH; oh0 += R) {
    const int nr = static_cast<int>(std::min<int64_t>(R, p.OH - oh0));
    const float* rows[T];
    for (int t = 0; t < T; ++t) {
      const int64_t ih = oh0 * kStride - p.ph + t;
      rows[t] = ih >= 0 && ih < p.H ? p.x + ih * p.W : nullptr;
    }
    for (int64_t ow0 = 0; ow0 < p.OW; ow0 += 16) {
      if (ow0 >= interior_lo && ow0 <= interior_hi) block_3x3<kStride, R, false>(p, rows, oh0, nr, ow0);
      else block_3x3<kStride, R, true>(p, rows, oh0, nr, ow0);
    }
  }
}

// Stride 1 with one column/row of padding on each side ("same"): the output plane has the
// input's shape, so the plane is walked as one flat array, 16 outputs per vector even across
// rows (a 7x7 plane takes 4 vectors, not 7). Tap (kh, kw) of flat output o reads input
// o + (kh - 1) * W + kw - 1; lanes whose column wraps into the neighbouring row are masked.
template <bool kEdge>
inline void flat_vector(const Plane3x3& p, int64_t o, __mmask16 left, __mmask16 right) {
  const int64_t n = p.H * p.W;
  // Three short FMA chains (one per kw) rather than one of nine: the vectors of a small plane
  // are too few for the out-of-order window to hide a long chain.
  __m512 acc0 = p.bias_v, acc1 = _mm512_setzero_ps(), acc2 = _mm512_setzero_ps();
#pragma GCC unroll 3
  for (int kh = 0; kh < 3; ++kh) {
    const int64_t s = o + (kh - 1) * p.W;
    const float* row = p.x + s;
    __m512 a, b, c;
    if constexpr (kEdge) {
      a = _mm512_maskz_loadu_ps(left & lanes(1 - s, n + 1 - s), row - 1);
      b = _mm512_maskz_loadu_ps(lanes(-s, n - s), row);
      c = _mm512_maskz_loadu_ps(right & lanes(-1 - s, n - 1 - s), row + 1);
    } else {
      a = _mm512_maskz_loadu_ps(left, row - 1);
      b = _mm512_loadu_ps(row);
      c = _mm512_maskz_loadu_ps(right, row + 1);
    }
    acc0 = _mm512_fmadd_ps(a, p.wv[kh * 3 + 0], acc0);
    acc1 = _mm512_fmadd_ps(b, p.wv[kh * 3 + 1], acc1);
    acc2 = _mm512_fmadd_ps(c, p.wv[kh * 3 + 2], acc2);
  }
  const __mmask16 store = lanes(0, n - o);
  __m512 v = _mm512_add_ps(_mm512_add_ps(acc0, acc1), acc2);
  if (p.residual) v = _mm512_add_ps(v, _mm512_maskz_loadu_ps(store, p.residual + o));
  if (p.clamp) v = _mm512_min_ps(p.hi_v, _mm512_max_ps(p.lo_v, v));  // v second: NaN passes, as in bias_act
  _mm512_mask_storeu_ps(p.y + o, store, v);
}

// Lanes at column 0 take no left tap (low half), lanes at column W - 1 no right tap (high half).
inline uint32_t flat_masks(int64_t col, int64_t W) {
  uint32_t first = 0, last = 0;
  for (int64_t l = col == 0 ? 0 : W - col; l < 16; l += W) first |= 1u << l;
  for (int64_t l = W - 1 - col; l < 16; l += W) last |= 1u << l;
  return (~first & 0xFFFFu) | (~last << 16);
}

// Masks of the first vectors of a plane, shared by the planes of one call.
constexpr int64_t kMaxFlatVectors = 256;
struct FlatMasks {
  uint32_t m[kMaxFlatVectors];
};

void fill_flat_masks(int64_t W, int64_t n, FlatMasks& masks) {
  n = std::min(n, 16 * kMaxFlatVectors);
  int64_t col = 0;  // column of lane 0
  for (int64_t v = 0; v * 16 < n; ++v) {
    masks.m[v] = flat_masks(col, W);
    for (col += 16; col >= W;) col -= W;
  }
}

// masks: as filled by fill_flat_masks for this W, or nullptr.
void plane_flat(const Plane3x3& p, const FlatMasks* masks) {
  const int64_t W = p.W, n = p.H * W;
  int64_t col = 0;  // column of lane 0
  for (int64_t o = 0, v = 0; o < n; o += 16, ++v) {
    const uint32_t m = masks && v < kMaxFlatVectors ? masks->m[v] : flat_masks(col, W);
    const auto left = static_cast<__mmask16>(m), right = static_cast<__mmask16>(m >> 16);
    if (o - W - 1 >= 0 && o + W + 17 <= n) flat_vector<false>(p, o, left, right);
    else flat_vector<true>(p, o, left, right);
    for (col += 16; col >= W;) col -= W;
  }
}

using detail::clamps;
using detail::is_3x3;

bool is_flat(const WindowGeometry& g) {
  return g.stride[2] == 1 && g.pad_begin[1] == 1 && g.pad_begin[2] == 1 && g.out[1] == g.in[1] && g.out[2] == g.in[2];
}

// A 3x3 plane with the whole epilogue applied.
void fused_3x3(const WindowGeometry& g, const float* x, const float* w, const DepthwiseEpilogue& e, float* y,
               const FlatMasks* masks) {
  Plane3x3 p;
  static_cast<detail::Plane3x3Args&>(p) = detail::plane_3x3_args(g, x, e, y);
  for (int i = 0; i < 9; ++i) p.wv[i] = _mm512_set1_ps(w[i]);
  p.bias_v = _mm512_set1_ps(p.bias);
  p.lo_v = _mm512_set1_ps(p.lo);
  p.hi_v = _mm512_set1_ps(p.hi);
  if (is_flat(g)) plane_flat(p, masks);
  else if (g.stride[2] == 1) plane_3x3<1, 4>(p);
  else plane_3x3<2, 4>(p);
  if (e.act.kind != Activation::Kind::kNone && !p.clamp) detail::bias_act(y, g.out_size(), 0.0f, nullptr, e.act);
}

void fused_plane(const WindowGeometry& g, const float* x, const float* w, const DepthwiseEpilogue& e, float* y,
                 const FlatMasks* masks) {
  if (is_3x3(g)) return fused_3x3(g, x, w, e, y, masks);
  const bool flat = g.kernel[0] == 1 && g.in[0] == 1 && g.out[0] == 1 && g.pad_begin[0] == 0 && g.kernel[2] <= kMaxKw;
  if (flat && g.stride[2] <= 2) {
    if (g.stride[2] == 1) plane_2d<1>(g, x, w, e.bias, y);
    else plane_2d<2>(g, x, w, e.bias, y);
    return detail::epilogue(e, y, g.out_size());
  }
  detail::depthwise_fused(g, x, w, e, y);
}

}  // namespace

void depthwise_fused_avx512(const WindowGeometry& g, const float* x, const float* w, const DepthwiseEpilogue& e,
                            float* y) {
  fused_plane(g, x, w, e, y, nullptr);
}

void depthwise_planes_avx512(const WindowGeometry& g, const DepthwisePlanes& a, int64_t begin, int64_t end) {
  FlatMasks masks;  // the same for every plane: filled once
  const bool shared = is_3x3(g) && is_flat(g) && end - begin > 1;
  if (shared) fill_flat_masks(g.in[2], g.out_size(), masks);
  const FlatMasks* m = shared ? &masks : nullptr;
  detail::for_each_plane(g, a, begin, end,
                         [m](const WindowGeometry& g, const float* x, const float* w, const DepthwiseEpilogue& e,
                             float* y) { fused_plane(g, x, w, e, y, m); });
}

}  // namespace coreinfer::nn
#endif
