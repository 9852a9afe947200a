// AVX-512 VNNI kernel of depthwise_int8.h.
#if defined(__x86_64__)
#include <immintrin.h>

#include <algorithm>
#include <cstdint>

#include "graph/ops/quant/depthwise_int8.h"
#include "graph/ops/quant/requant_avx512.h"

namespace coreinfer::quant {
namespace {

constexpr int kMaxRowQuads = 64;  // k_h * ceil(k_w / 4) handled with stack tables
constexpr int kMaxQuads = 2;      // ceil(k_w / 4)

// Bits [lo, hi) of a 64-bit mask (empty when hi <= lo).
__mmask64 bit_range(int64_t lo, int64_t hi) {
  lo = std::max<int64_t>(lo, 0);
  hi = std::min<int64_t>(hi, 64);
  if (hi <= lo) return 0;
  const __mmask64 upto_hi = hi == 64 ? ~__mmask64{0} : (__mmask64{1} << hi) - 1;
  return upto_hi & ~((__mmask64{1} << lo) - 1);
}

// Everything one output row segment needs, fixed per plane.
struct PlaneSetup {
  const DepthwiseInt8Plane* p;
  const Window2d* g;
  int64_t quads;
  const int32_t* w_word;
  const int32_t* one_word;
  const __m512i* shuffle;
  __m512i lane_idx, pad, flip, constant, w_zero, pack_order;
  bool need_sums, is_signed, flipped;
};

// Adds the constant and zero-point term, requantises and stores rows oh .. oh + NR - 1.
template <int NC, int NR>
void store_rows(const PlaneSetup& s, const __m512i (&acc)[NR][NC], const __m512i (&sums)[NR][NC], int64_t oh, int64_t ow0,
                int64_t n) {
  const Window2d& g = *s.g;
  for (int r = 0; r < NR; ++r) {
    __m512i q[4];
    for (int c = 0; c < 4; ++c) {
      if (c >= NC) {
        q[c] = _mm512_setzero_si512();
        continue;
      }
      __m512i a = _mm512_add_epi32(acc[r][c], s.constant);
      if (s.need_sums) a = _mm512_sub_epi32(a, _mm512_mullo_epi32(sums[r][c], s.w_zero));
      q[c] = requantize16(a, s.p->rq);
    }
    // values are inside the output type's range: saturating packs are exact; per 128-bit lane i
    // they give dwords (q0[i], q1[i], q2[i], q3[i]), put back in order by pack_order
    const __m512i w01 = _mm512_packs_epi32(q[0], q[1]), w23 = _mm512_packs_epi32(q[2], q[3]);
    const __m512i b = s.is_signed ? _mm512_packs_epi16(w01, w23) : _mm512_packus_epi16(w01, w23);
    const __mmask64 store = n >= 64 ? ~__mmask64{0} : (__mmask64{1} << n) - 1;
    _mm512_mask_storeu_epi8(s.p->y + (oh + r) * g.out_w + ow0, store, _mm512_permutexvar_epi32(s.pack_order, b));
  }
}

// 16 input columns of one row gathered into per-output tap words (see depthwise_int8.h).
inline __m512i gather_words(const PlaneSetup& s, bool row_in, uintptr_t row, int64_t col, __mmask64 mask, int q) {
  __m512i src;
  const void* at = reinterpret_cast<const void*>(row + col);
  if (!row_in) src = s.pad;
  else if (mask == ~__mmask64{0}) src = _mm512_loadu_si512(at);  // all 64 bytes inside the row
  // masked-off bytes are neither read nor faulted: `at` may point outside the row
  else src = _mm512_mask_loadu_epi8(s.pad, mask, at);
  if (s.flipped) src = _mm512_xor_si512(src, s.flip);
  return _mm512_shuffle_epi8(_mm512_permutexvar_epi32(s.lane_idx, src), s.shuffle[q]);
}

// Outputs [ow0, ow0 + n) of rows oh .. oh + NR - 1, n <= 16 * NC: NC vectors of 16 per row in
// flight so the vpdpbusd chains overlap, and each input row is gathered once for the NR output
// rows that use it.
template <int NC, int NR>
void row_segment(const PlaneSetup& s, int64_t oh, int64_t ow0, int64_t n) {
  const Window2d& g = *s.g;
  const int64_t sw = g.stride_w, dw = g.dil_w, sh = g.stride_h, dh = g.dil_h;
  __m512i acc[NR][NC], sums[NR][NC];
  for (int r = 0; r < NR; ++r)
    for (int c = 0; c < NC; ++c) acc[r][c] = sums[r][c] = _mm512_setzero_si512();
  // the input columns each vector reads are the same for every input row
  __mmask64 mask[NC][kMaxQuads];
  int64_t col[NC][kMaxQuads];
  for (int c = 0; c < NC; ++c)
    for (int64_t q = 0; q < s.quads; ++q) {
      col[c][q] = (ow0 + 16 * c) * sw - g.pad_l + 4 * q * dw;  // input column of byte 0
      mask[c][q] = bit_range(-col[c][q], g.in_w - col[c][q]);
    }
  // input row t (relative to output row oh's first tap) feeds output row r with kernel row (t - r*sh) / dh
  const int64_t span = (NR - 1) * sh + (g.k_h - 1) * dh + 1;
  for (int64_t t = 0; t < span; ++t) {
    int64_t kh_of[NR];
    bool used = false;
    for (int r = 0; r < NR; ++r) {
      const int64_t d = t - r * sh;
      kh_of[r] = (d >= 0 && d % dh == 0 && d / dh < g.k_h) ? d / dh : -1;
      used |= kh_of[r] >= 0;
    }
    if (!used) continue;
    const int64_t ih = oh * sh - g.pad_t + t;
    const bool row_in = ih >= 0 && ih < g.in_h;
    const uintptr_t row = reinterpret_cast<uintptr_t>(s.p->x + (row_in ? ih : 0) * g.in_w);
    for (int64_t q = 0; q < s.quads; ++q) {
      for (int c = 0; c < NC; ++c) {
        const __m512i words = gather_words(s, row_in, row, col[c][q], mask[c][q], static_cast<int>(q));
        for (int r = 0; r < NR; ++r) {
          if (kh_of[r] < 0) continue;
          const int64_t wi = kh_of[r] * s.quads + q;
          acc[r][c] = _mm512_dpbusd_epi32(acc[r][c], words, _mm512_set1_epi32(s.w_word[wi]));
          if (s.need_sums) sums[r][c] = _mm512_dpbusd_epi32(sums[r][c], words, _mm512_set1_epi32(s.one_word[wi]));
        }
      }
    }
  }
  store_rows<NC, NR>(s, acc, sums, oh, ow0, n);
}

// The common case k_h = 3, k_w <= 4, dil_h = 1, stride_h = SH: the same as row_segment with every
// row and tap index known at compile time, so the loops unroll fully.
template <int NC, int NR, int SH>
void row_segment_k3(const PlaneSetup& s, int64_t oh, int64_t ow0, int64_t n) {
  const Window2d& g = *s.g;
  __m512i acc[NR][NC], sums[NR][NC];
  for (int r = 0; r < NR; ++r)
    for (int c = 0; c < NC; ++c) acc[r][c] = sums[r][c] = _mm512_setzero_si512();
  __mmask64 mask[NC];
  int64_t col[NC];
  for (int c = 0; c < NC; ++c) {
    col[c] = (ow0 + 16 * c) * g.stride_w - g.pad_l;
    mask[c] = bit_range(-col[c], g.in_w - col[c]);
  }
  const __m512i w[3] = {_mm512_set1_epi32(s.w_word[0]), _mm512_set1_epi32(s.w_word[1]), _mm512_set1_epi32(s.w_word[2])};
  const __m512i ones[3] = {_mm512_set1_epi32(s.one_word[0]), _mm512_set1_epi32(s.one_word[1]),
                           _mm512_set1_epi32(s.one_word[2])};
  constexpr int kSpan = (NR - 1) * SH + 3;
#pragma GCC unroll 8
  for (int t = 0; t < kSpan; ++t) {
    const int64_t ih = oh * SH - g.pad_t + t;
    const bool row_in = ih >= 0 && ih < g.in_h;
    const uintptr_t row = reinterpret_cast<uintptr_t>(s.p->x + (row_in ? ih : 0) * g.in_w);
#pragma GCC unroll 4
    for (int c = 0; c < NC; ++c) {
      const __m512i words = gather_words(s, row_in, row, col[c], mask[c], 0);
#pragma GCC unroll 4
      for (int r = 0; r < NR; ++r) {
        const int kh = t - r * SH;
        if (kh < 0 || kh > 2) continue;
        acc[r][c] = _mm512_dpbusd_epi32(acc[r][c], words, w[kh]);
        if (s.need_sums) sums[r][c] = _mm512_dpbusd_epi32(sums[r][c], words, ones[kh]);
      }
    }
  }
  store_rows<NC, NR>(s, acc, sums, oh, ow0, n);
}

// One segment of NR rows, NC chosen from n.
template <int NR>
void segment(const PlaneSetup& s, int64_t oh, int64_t ow0, int64_t n) {
  const Window2d& g = *s.g;
  const int nc = static_cast<int>((n + 15) / 16);
  if (g.k_h == 3 && g.dil_h == 1 && s.quads == 1 && (g.stride_h == 1 || g.stride_h == 2)) {
    if (g.stride_h == 1) {
      switch (nc) {
        case 4: row_segment_k3<4, NR, 1>(s, oh, ow0, n); break;
        case 3: row_segment_k3<3, NR, 1>(s, oh, ow0, n); break;
        case 2: row_segment_k3<2, NR, 1>(s, oh, ow0, n); break;
        default: row_segment_k3<1, NR, 1>(s, oh, ow0, n); break;
      }
    } else {
      switch (nc) {
        case 4: row_segment_k3<4, NR, 2>(s, oh, ow0, n); break;
        case 3: row_segment_k3<3, NR, 2>(s, oh, ow0, n); break;
        case 2: row_segment_k3<2, NR, 2>(s, oh, ow0, n); break;
        default: row_segment_k3<1, NR, 2>(s, oh, ow0, n); break;
      }
    }
    return;
  }
  switch (nc) {
    case 4: row_segment<4, NR>(s, oh, ow0, n); break;
    case 3: row_segment<3, NR>(s, oh, ow0, n); break;
    case 2: row_segment<2, NR>(s, oh, ow0, n); break;
    default: row_segment<1, NR>(s, oh, ow0, n); break;
  }
}

}  // namespace

void depthwise_int8_planes_avx512vnni(const DepthwiseInt8Plane* planes, int64_t count, const Window2d& g) {
  const int64_t quads = (g.k_w + 3) / 4, row_quads = g.k_h * quads;
  if (row_quads > kMaxRowQuads || quads > kMaxQuads) return;  // callers check depthwise_int8_fits
  const int64_t sw = g.stride_w, dw = g.dil_w;
  // Per quad: the in-lane shuffle (0x80 = a zero byte for missing taps); the same for every plane.
  __m512i shuffle[kMaxQuads];
  for (int64_t q = 0; q < quads; ++q) {
    alignas(64) uint8_t ctl[64];
    for (int lane = 0; lane < 4; ++lane)
      for (int j = 0; j < 4; ++j)
        for (int b = 0; b < 4; ++b)
          ctl[lane * 16 + j * 4 + b] = 4 * q + b < g.k_w ? static_cast<uint8_t>(j * sw + b * dw) : 0x80;
    shuffle[q] = _mm512_load_si512(ctl);
  }
  alignas(64) int32_t lane_dwords[16], order[16];
  for (int lane = 0; lane < 4; ++lane)
    for (int i = 0; i < 4; ++i) {
      lane_dwords[lane * 4 + i] = static_cast<int32_t>(lane * sw + i);
      order[4 * lane + i] = 4 * i + lane;  // output dword 4j + i <- packed dword 4i + j
    }
  alignas(64) int32_t w_word[kMaxRowQuads];
  alignas(64) int32_t one_word[kMaxRowQuads];
  PlaneSetup s;
  s.g = &g;
  s.quads = quads;
  s.w_word = w_word;
  s.one_word = one_word;
  s.shuffle = shuffle;
  s.lane_idx = _mm512_load_si512(lane_dwords);
  s.pack_order = _mm512_load_si512(order);
  // pairs of output rows share input rows when the kernel rows overlap (stride_h < k_h)
  const bool pairs = g.stride_h < g.k_h * g.dil_h;
  for (int64_t i = 0; i < count; ++i) {
    const DepthwiseInt8Plane& p = planes[i];
    // Per kernel row and quad: the weight word and the tap mask for the input sums.
    for (int64_t kh = 0; kh < g.k_h; ++kh)
      for (int64_t q = 0; q < quads; ++q) {
        uint32_t word = 0, ones = 0;
        for (int b = 0; b < 4 && 4 * q + b < g.k_w; ++b) {
          word |= uint32_t{static_cast<uint8_t>(p.w[kh * g.k_w + 4 * q + b])} << (8 * b);
          ones |= 1u << (8 * b);
        }
        w_word[kh * quads + q] = static_cast<int32_t>(word);
        one_word[kh * quads + q] = static_cast<int32_t>(ones);
      }
    s.p = &p;
    s.pad = _mm512_set1_epi8(static_cast<char>(p.x_zero_raw));
    s.flip = _mm512_set1_epi8(static_cast<char>(p.flip));
    s.constant = _mm512_set1_epi32(p.constant);
    s.w_zero = _mm512_set1_epi32(p.w_zero);
    s.need_sums = p.w_zero != 0;
    s.is_signed = p.y_signed;
    s.flipped = p.flip != 0;
    for (int64_t oh = 0; oh < g.out_h;) {
      const int nr = pairs && oh + 1 < g.out_h ? 2 : 1;
      for (int64_t ow0 = 0; ow0 < g.out_w; ow0 += 64) {
        const int64_t n = std::min<int64_t>(64, g.out_w - ow0);
        if (nr == 2) segment<2>(s, oh, ow0, n);
        else segment<1>(s, oh, ow0, n);
      }
      oh += nr;
    }
  }
}

}  // namespace coreinfer::quant
#endif
