// AVX-512 VNNI depthwise kernel of depthwise_int8.h with 16 channels in the lanes: no per-plane
// setup and no lanes lost to short rows, which dominate the row kernel on small planes. Per group
// of 16 planes: the input is transposed (16x16 byte tiles, four per zmm) into a padded
// channels-last scratch T[padded pixel][16 channels] (borders = the zero point's byte), then each
// output pixel is k_h * k_w zero-extending loads and vpdpbusd against the taps' weights (one byte
// per dword: exact, no overflow), requantised per channel, narrowed to 16 bytes, and the
// channels-last result is transposed back to the 16 output planes. Bit-exact with the row kernel.
#if defined(__x86_64__)
#include <immintrin.h>

#include <algorithm>
#include <cstdint>
#include <type_traits>

#include "graph/ops/quant/depthwise_int8.h"
#include "graph/ops/quant/scratch.h"

namespace coreinfer::quant {
namespace {

constexpr int64_t kLanes = 16;

// In each 128-bit lane: rows r[0..15] of 16 bytes -> r[p] = byte p of every row (a 16x16 byte
// transpose, the same in all four lanes).
inline void transpose16x16(__m512i (&r)[16]) {
  __m512i s1[16], s2[16], s3[16];
  for (int i = 0; i < 8; ++i) {
    s1[i] = _mm512_unpacklo_epi8(r[2 * i], r[2 * i + 1]);      // bytes 0..7, rows 2i, 2i+1
    s1[8 + i] = _mm512_unpackhi_epi8(r[2 * i], r[2 * i + 1]);  // bytes 8..15
  }
  for (int h = 0; h < 2; ++h)
    for (int j = 0; j < 4; ++j) {
      s2[h * 8 + j] = _mm512_unpacklo_epi16(s1[h * 8 + 2 * j], s1[h * 8 + 2 * j + 1]);      // bytes 8h + 0..3
      s2[h * 8 + 4 + j] = _mm512_unpackhi_epi16(s1[h * 8 + 2 * j], s1[h * 8 + 2 * j + 1]);  // bytes 8h + 4..7
    }
  // s2[4g + j]: bytes 4g..4g+3 of rows 4j..4j+3
  for (int g = 0; g < 4; ++g)
    for (int m = 0; m < 2; ++m) {
      s3[4 * g + m] = _mm512_unpacklo_epi32(s2[4 * g + 2 * m], s2[4 * g + 2 * m + 1]);      // bytes 4g, 4g+1
      s3[4 * g + 2 + m] = _mm512_unpackhi_epi32(s2[4 * g + 2 * m], s2[4 * g + 2 * m + 1]);  // bytes 4g+2, 4g+3
    }
  // s3[4g + 2h + m]: bytes 4g + 2h, +1 of rows 8m..8m+7
  for (int g = 0; g < 4; ++g)
    for (int h = 0; h < 2; ++h) {
      r[4 * g + 2 * h] = _mm512_unpacklo_epi64(s3[4 * g + 2 * h], s3[4 * g + 2 * h + 1]);
      r[4 * g + 2 * h + 1] = _mm512_unpackhi_epi64(s3[4 * g + 2 * h], s3[4 * g + 2 * h + 1]);
    }
}

inline __mmask64 first_bytes(int64_t n) { return n >= 64 ? ~__mmask64{0} : (__mmask64{1} << n) - 1; }

// Per-channel constants of one group, as lanes.
struct GroupConstants {
  __m512i constant, w_zero, zero_point;
  __m512 scale, lo, hi;
  bool need_sums, y_signed;
};

// Two output pixels per step (independent vpdpbusd chains); TAPS > 0 fixes the tap count.
template <int TAPS, bool SUMS, bool SIGNED>
void output_pixels(const uint8_t* t, const int64_t* tap_off, int64_t taps_rt, const __m512i* w, const GroupConstants& k,
                   const Window2d& g, int64_t pw, uint8_t* o, int64_t os) {
  const int64_t taps = TAPS > 0 ? TAPS : taps_rt;
  const __m512i ones = _mm512_set1_epi32(1);
  const int64_t step = g.stride_w * kLanes;
  auto finish = [&](__m512i acc, __m512i sums, uint8_t* dst) {
    if (SUMS) acc = _mm512_sub_epi32(acc, _mm512_mullo_epi32(sums, k.w_zero));
    __m512 v = _mm512_mul_ps(_mm512_cvtepi32_ps(acc), k.scale);
    v = _mm512_min_ps(_mm512_max_ps(v, k.lo), k.hi);
    const __m512i q = _mm512_add_epi32(_mm512_cvtps_epi32(v), k.zero_point);
    // q is inside the output type's range: the saturating narrowing is exact
    _mm_storeu_si128(reinterpret_cast<__m128i*>(dst), SIGNED ? _mm512_cvtsepi32_epi8(q) : _mm512_cvtusepi32_epi8(q));
  };
  auto load = [](const uint8_t* at) { return _mm512_cvtepu8_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(at))); };
  // 3x3 with stride S <= 2 and no dilation along the row: four outputs read 3S + 3 columns per
  // kernel row (instead of twelve loads), shared between their taps
  const bool rows_of_3 = TAPS == 9 && g.k_w == 3 && g.dil_w == 1 && g.stride_w <= 2;
  auto four = [&](auto stride, const uint8_t* row, uint8_t* out) {
    constexpr int S = decltype(stride)::value;
    __m512i a[4] = {k.constant, k.constant, k.constant, k.constant};
    __m512i sm[4] = {_mm512_setzero_si512(), _mm512_setzero_si512(), _mm512_setzero_si512(), _mm512_setzero_si512()};
#pragma GCC unroll 3
    for (int kh = 0; kh < 3; ++kh) {
      const uint8_t* at = row + tap_off[3 * kh];
      __m512i x[3 * S + 3];
#pragma GCC unroll 9
      for (int j = 0; j < 3 * S + 3; ++j) x[j] = load(at + j * kLanes);
#pragma GCC unroll 4
      for (int i = 0; i < 4; ++i)
#pragma GCC unroll 3
        for (int kw = 0; kw < 3; ++kw) {
          a[i] = _mm512_dpbusd_epi32(a[i], x[S * i + kw], w[3 * kh + kw]);
          if (SUMS) sm[i] = _mm512_dpbusd_epi32(sm[i], x[S * i + kw], ones);
        }
    }
#pragma GCC unroll 4
    for (int i = 0; i < 4; ++i) finish(a[i], sm[i], out + i * os);
  };
  for (int64_t oh = 0; oh < g.out_h; ++oh) {
    const uint8_t* row = t + oh * g.stride_h * pw * kLanes;
    uint8_t* orow = o + oh * g.out_w * os;
    int64_t ow = 0;
    for (; rows_of_3 && ow + 4 <= g.out_w; ow += 4) {
      if (g.stride_w == 1) four(std::integral_constant<int, 1>{}, row + ow * step, orow + ow * os);
      else four(std::integral_constant<int, 2>{}, row + ow * step, orow + ow * os);
    }
    for (; ow + 2 <= g.out_w; ow += 2) {
      const uint8_t* at = row + ow * step;
      __m512i a0 = k.constant, a1 = k.constant, s0 = _mm512_setzero_si512(), s1 = s0;
#pragma GCC unroll 16
      for (int64_t i = 0; i < taps; ++i) {
        const __m512i x0 = load(at + tap_off[i]), x1 = load(at + step + tap_off[i]);
        a0 = _mm512_dpbusd_epi32(a0, x0, w[i]);
        a1 = _mm512_dpbusd_epi32(a1, x1, w[i]);
        if (SUMS) {
          s0 = _mm512_dpbusd_epi32(s0, x0, ones);
          s1 = _mm512_dpbusd_epi32(s1, x1, ones);
        }
      }
      finish(a0, s0, orow + ow * os);
      finish(a1, s1, orow + (ow + 1) * os);
    }
    if (ow < g.out_w) {
      const uint8_t* at = row + ow * step;
      __m512i a0 = k.constant, s0 = _mm512_setzero_si512();
      for (int64_t i = 0; i < taps; ++i) {
        const __m512i x0 = load(at + tap_off[i]);
        a0 = _mm512_dpbusd_epi32(a0, x0, w[i]);
        if (SUMS) s0 = _mm512_dpbusd_epi32(s0, x0, ones);
      }
      finish(a0, s0, orow + ow * os);
    }
  }
}

template <int TAPS>
void output_pixels_for(const uint8_t* t, const int64_t* tap_off, int64_t taps, const __m512i* w, const GroupConstants& k,
                       const Window2d& g, int64_t pw, uint8_t* o, int64_t os) {
  if (k.need_sums) {
    if (k.y_signed) output_pixels<TAPS, true, true>(t, tap_off, taps, w, k, g, pw, o, os);
    else output_pixels<TAPS, true, false>(t, tap_off, taps, w, k, g, pw, o, os);
  } else {
    if (k.y_signed) output_pixels<TAPS, false, true>(t, tap_off, taps, w, k, g, pw, o, os);
    else output_pixels<TAPS, false, false>(t, tap_off, taps, w, k, g, pw, o, os);
  }
}

void output_pixels_any(const uint8_t* t, const int64_t* tap_off, int64_t taps, const __m512i* w, const GroupConstants& k,
                       const Window2d& g, int64_t pw, uint8_t* o, int64_t os) {
  if (taps == 9) output_pixels_for<9>(t, tap_off, taps, w, k, g, pw, o, os);
  else output_pixels_for<0>(t, tap_off, taps, w, k, g, pw, o, os);
}

// The constants of planes grp[0 .. n) in lanes (lanes past n repeat the last plane and are never
// stored), their taps' weights w[i] (one byte per dword) and the padding bytes.
void load_group(const DepthwiseInt8Plane* grp, int64_t n, int64_t taps, GroupConstants& k, __m512i* w, __m128i& pad_v) {
  alignas(64) int32_t constant[kLanes], w_zero[kLanes], zero_point[kLanes];
  alignas(64) float scale[kLanes], lo[kLanes], hi[kLanes];
  alignas(64) uint32_t wt[64][kLanes];
  uint8_t pad[kLanes];
  bool need_sums = false;
  for (int64_t c = 0; c < kLanes; ++c) {
    const DepthwiseInt8Plane& p = grp[std::min(c, n - 1)];
    constant[c] = p.constant;
    w_zero[c] = p.w_zero;
    need_sums |= p.w_zero != 0;
    zero_point[c] = p.rq.zero_point;
    scale[c] = p.rq.scale;
    lo[c] = p.rq.lo;
    hi[c] = p.rq.hi;
    pad[c] = static_cast<uint8_t>(p.x_zero_raw ^ p.flip);
    for (int64_t i = 0; i < taps; ++i) wt[i][c] = static_cast<uint8_t>(p.w[i]);  // the weight byte, zeros above
  }
  k.constant = _mm512_load_si512(constant);
  k.w_zero = _mm512_load_si512(w_zero);
  k.zero_point = _mm512_load_si512(zero_point);
  k.scale = _mm512_load_ps(scale);
  k.lo = _mm512_load_ps(lo);
  k.hi = _mm512_load_ps(hi);
  k.need_sums = need_sums;
  k.y_signed = grp[0].y_signed;
  for (int64_t i = 0; i < taps; ++i) w[i] = _mm512_load_si512(wt[i]);
  pad_v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(pad));
}

// The padding frame of T (every pixel outside the input's in_h x in_w) gets the padding bytes,
// only when they differ from those already there; every group overwrites the interior.
void fill_borders(uint8_t* t, const Window2d& g, __m128i pad_v, __m128i& filled_pad, bool& filled) {
  if (filled && _mm_movemask_epi8(_mm_cmpeq_epi8(pad_v, filled_pad)) == 0xFFFF) return;
  const int64_t pw = g.pad_l + g.in_w + g.pad_r, ph = g.pad_t + g.in_h + g.pad_b;
  auto fill = [&](int64_t from, int64_t to) {  // pixels [from, to) of T
    for (int64_t i = from; i < to; ++i) _mm_storeu_si128(reinterpret_cast<__m128i*>(t + i * kLanes), pad_v);
  };
  fill(0, g.pad_t * pw);
  for (int64_t h = g.pad_t; h < g.pad_t + g.in_h; ++h) {
    fill(h * pw, h * pw + g.pad_l);
    fill(h * pw + g.pad_l + g.in_w, (h + 1) * pw);
  }
  fill((g.pad_t + g.in_h) * pw, ph * pw);
  filled_pad = pad_v;
  filled = true;
}

void tap_offsets(const Window2d& g, int64_t pw, int64_t* tap_off) {
  for (int64_t kh = 0; kh < g.k_h; ++kh)
    for (int64_t kw = 0; kw < g.k_w; ++kw) tap_off[kh * g.k_w + kw] = (kh * g.dil_h * pw + kw * g.dil_w) * kLanes;
}

}  // namespace

// Measured on Zen 5 (MobileNetV2 shapes, 7x7 to 112x112): 1.1-4x faster than the row kernel,
// except strided convolutions of large inputs, where transposing the 4x larger input does not
// pay. Larger planes stay with the row kernel (the scratch grows with the plane).
bool depthwise_int8_prefers_nhwc(const Window2d& g) {
  // The padded plane bounds the scratch (and keeps its int32 offsets small) whatever the pads say.
  const int64_t pw = g.pad_l + g.in_w + g.pad_r, ph = g.pad_t + g.in_h + g.pad_b;
  return g.kernel_size() <= 64 && g.in_size() <= 128 * 128 && pw <= 160 * 160 && ph <= 160 * 160 &&
         pw * ph <= 160 * 160 &&
         (g.stride_h * g.stride_w == 1 || g.in_size() <= 64 * 64);
}

// T (read up to the last output's farthest tap), the channels-last output in whole 64-pixel
// blocks, and where each input pixel lands in T.
static size_t t_bytes(const Window2d& g) {
  return round_up_64(static_cast<size_t>((g.pad_l + g.in_w + g.pad_r) * (g.pad_t + g.in_h + g.pad_b) * kLanes + 64));
}
static size_t o_bytes(const Window2d& g) { return static_cast<size_t>((g.out_size() + 63) / 64 * 64 * kLanes); }

size_t depthwise_int8_nhwc_scratch_bytes(const Window2d& g) {
  return t_bytes(g) + o_bytes(g) + round_up_64(static_cast<size_t>(g.in_size()) * sizeof(int32_t));
}

void depthwise_int8_nhwc_avx512vnni(const DepthwiseInt8Plane* planes, int64_t count, const Window2d& g, uint8_t* scratch) {
  const int64_t taps = g.kernel_size();
  if (taps > 64) return;  // callers check depthwise_int8_prefers_nhwc
  const int64_t pw = g.pad_l + g.in_w + g.pad_r;
  const int64_t in_size = g.in_size(), out_size = g.out_size();
  uint8_t* o = scratch;
  uint8_t* t = scratch + o_bytes(g);
  int32_t* dst_of = reinterpret_cast<int32_t*>(t + t_bytes(g));
  for (int64_t ih = 0; ih < g.in_h; ++ih)
    for (int64_t iw = 0; iw < g.in_w; ++iw)
      dst_of[ih * g.in_w + iw] = static_cast<int32_t>(((ih + g.pad_t) * pw + iw + g.pad_l) * kLanes);
  __m128i filled_pad = _mm_setzero_si128();
  bool filled = false;
  int64_t tap_off[64];
  tap_offsets(g, pw, tap_off);
  for (int64_t first = 0; first < count; first += kLanes) {
    const DepthwiseInt8Plane* grp = planes + first;
    const int64_t n = std::min(kLanes, count - first);
    GroupConstants k;
    __m512i w[64];
    __m128i pad_v;
    load_group(grp, n, taps, k, w, pad_v);
    fill_borders(t, g, pad_v, filled_pad, filled);
    // transpose in: 64 input pixels x 16 channels per step
    for (int64_t p0 = 0; p0 < in_size; p0 += 64) {
      const __mmask64 m = first_bytes(in_size - p0);
      __m512i r[16];
      for (int64_t c = 0; c < kLanes; ++c) {
        const DepthwiseInt8Plane& p = grp[std::min(c, n - 1)];
        r[c] = _mm512_xor_si512(_mm512_maskz_loadu_epi8(m, p.x + p0), _mm512_set1_epi8(static_cast<char>(p.flip)));
      }
      transpose16x16(r);
      // r[j] lane L: the 16 channels of pixel p0 + 16L + j
      const int64_t left = std::min<int64_t>(64, in_size - p0);
      for (int64_t j = 0; j < 16; ++j)
        for (int64_t lane = 0; lane < 4; ++lane) {
          const int64_t px = 16 * lane + j;
          if (px >= left) continue;
          uint8_t* dst = t + dst_of[p0 + px];
          __m128i v;
          switch (lane) {
            case 0: v = _mm512_extracti32x4_epi32(r[j], 0); break;
            case 1: v = _mm512_extracti32x4_epi32(r[j], 1); break;
            case 2: v = _mm512_extracti32x4_epi32(r[j], 2); break;
            default: v = _mm512_extracti32x4_epi32(r[j], 3); break;
          }
          _mm_storeu_si128(reinterpret_cast<__m128i*>(dst), v);
        }
    }
    output_pixels_any(t, tap_off, taps, w, k, g, pw, o, kLanes);
    // transpose out: 64 output pixels x 16 channels per step
    for (int64_t p0 = 0; p0 < out_size; p0 += 64) {
      __m512i r[16];
      for (int64_t j = 0; j < 16; ++j) {
        const uint8_t* src = o + (p0 + j) * kLanes;  // pixel p0 + 16L + j in lane L
        __m512i v = _mm512_castsi128_si512(_mm_loadu_si128(reinterpret_cast<const __m128i*>(src)));
        v = _mm512_inserti32x4(v, _mm_loadu_si128(reinterpret_cast<const __m128i*>(src + 16 * kLanes)), 1);
        v = _mm512_inserti32x4(v, _mm_loadu_si128(reinterpret_cast<const __m128i*>(src + 32 * kLanes)), 2);
        r[j] = _mm512_inserti32x4(v, _mm_loadu_si128(reinterpret_cast<const __m128i*>(src + 48 * kLanes)), 3);
      }
      transpose16x16(r);
      // r[c] lane L: pixels p0 + 16L .. + 15 of channel c, in order
      const __mmask64 m = first_bytes(out_size - p0);
      for (int64_t c = 0; c < n; ++c) _mm512_mask_storeu_epi8(grp[c].y + p0, m, r[c]);
    }
  }
}


void depthwise_int8_channels_last_avx512vnni(const DepthwiseInt8Plane* channels, int64_t count, const uint8_t* x,
                                             int64_t ldx, uint8_t* y, int64_t ldy, const Window2d& g, uint8_t* scratch) {
  const int64_t taps = g.kernel_size();
  if (taps > 64 || count <= 0) return;  // callers check depthwise_int8_channels_last_fits
  const int64_t pw = g.pad_l + g.in_w + g.pad_r;
  uint8_t* o = scratch;
  uint8_t* t = scratch + o_bytes(g);
  __m128i filled_pad = _mm_setzero_si128();
  bool filled = false;
  int64_t tap_off[64];
  tap_offsets(g, pw, tap_off);
  const __m128i flip = _mm_set1_epi8(static_cast<char>(channels[0].flip));
  for (int64_t c0 = 0; c0 < count; c0 += kLanes) {
    const int64_t n = std::min(kLanes, count - c0);
    const __mmask16 lanes = n >= kLanes ? __mmask16(0xFFFF) : static_cast<__mmask16>((1u << n) - 1);
    GroupConstants k;
    __m512i w[64];
    __m128i pad_v;
    load_group(channels + c0, n, taps, k, w, pad_v);
    fill_borders(t, g, pad_v, filled_pad, filled);
    for (int64_t ih = 0; ih < g.in_h; ++ih) {
      const uint8_t* src = x + ih * g.in_w * ldx + c0;
      uint8_t* dst = t + ((ih + g.pad_t) * pw + g.pad_l) * kLanes;
      for (int64_t iw = 0; iw < g.in_w; ++iw)
        _mm_storeu_si128(reinterpret_cast<__m128i*>(dst + iw * kLanes),
                         _mm_xor_si128(_mm_maskz_loadu_epi8(lanes, src + iw * ldx), flip));
    }
    if (n == kLanes) {  // straight into the output pixels
      output_pixels_any(t, tap_off, taps, w, k, g, pw, y + c0, ldy);
      continue;
    }
    output_pixels_any(t, tap_off, taps, w, k, g, pw, o, kLanes);
    for (int64_t i = 0; i < g.out_size(); ++i)
      _mm_mask_storeu_epi8(y + i * ldy + c0, lanes, _mm_loadu_si128(reinterpret_cast<const __m128i*>(o + i * kLanes)));
  }
}

bool depthwise_int8_channels_last_fits(const Window2d& g) {
  const int64_t pw = g.pad_l + g.in_w + g.pad_r, ph = g.pad_t + g.in_h + g.pad_b;
  return g.kernel_size() <= 64 && pw <= 1024 && ph <= 1024;
}

}  // namespace coreinfer::quant
#endif
