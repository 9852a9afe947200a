// The NCHWc tile with AVX-512: P pixels x NB output blocks in P * NB zmm accumulators (24 at
// 6 x 4), per input channel NB weight vectors and P broadcasts. Instances for every P and NB;
// blocked input (16 channels a pixel, the channel loop unrolled) or NCHW input (a convolution
// that starts the chain: C channels a plane apart).
#if defined(__x86_64__)
#include <immintrin.h>

#include <algorithm>
#include <array>
#include <utility>

#include "graph/ops/nn/bias_act_impl.h"
#include "graph/ops/nn/conv_nchwc.h"

namespace coreinfer::nn {
namespace {

constexpr int B = kNchwcBlock;
alignas(64) constexpr float kZeros[B] = {};

template <int P, int NB, bool kBlocked>
void tile(const NchwcTile& t) {
  __m512 acc[P][NB];
#pragma GCC unroll 8
  for (int p = 0; p < P; ++p)
#pragma GCC unroll 4
    for (int b = 0; b < NB; ++b)
      acc[p][b] = t.accumulate ? _mm512_loadu_ps(t.y + b * t.out_block_stride + t.out_off[p]) : _mm512_setzero_ps();
  const float* w = t.w;
  const char* ahead = reinterpret_cast<const char*>(t.prefetch);
  const char* ahead_end = ahead + t.prefetch_lines * 64;
  const int64_t ahead_step = (t.prefetch_lines + t.in_blocks * t.taps - 1) / (t.in_blocks * t.taps) * 64;
  for (int64_t cb = 0; cb < t.in_blocks; ++cb) {
    const float* xb = t.x + cb * t.in_block_stride;
    const int64_t* off = t.in_off;
    for (int64_t tap = 0; tap < t.taps; ++tap, off += kNchwcTilePixels) {
      for (const char* end = std::min(ahead + ahead_step, ahead_end); ahead < end; ahead += 64)
        _mm_prefetch(ahead, _MM_HINT_NTA);
      const float* px[P];
      int64_t step[P];  // NCHW input: a plane per channel (0 in the padding, which reads zeros)
#pragma GCC unroll 8
      for (int p = 0; p < P; ++p) {
        const int64_t o = t.in_off ? off[p] : t.pixel_off[p] + t.tap_off[tap];
        px[p] = o < 0 ? kZeros : xb + o;
        if constexpr (!kBlocked) step[p] = o < 0 ? 0 : t.ci_stride;
      }
      if constexpr (kBlocked) {
        // The next tile's pixels (the next 6 of a row, at stride 1): the input of a pointwise
        // layer is one stream per input block, too many for the hardware prefetchers.
#pragma GCC unroll 8
        for (int p = 0; p < P; ++p) _mm_prefetch(reinterpret_cast<const char*>(px[p] + P * B), _MM_HINT_T0);
#pragma GCC unroll 16
        for (int ci = 0; ci < B; ++ci) {
          __m512 wv[NB];
#pragma GCC unroll 4
          for (int b = 0; b < NB; ++b) wv[b] = _mm512_load_ps(w + b * B);
#pragma GCC unroll 8
          for (int p = 0; p < P; ++p) {
            const __m512 xv = _mm512_set1_ps(px[p][ci]);
#pragma GCC unroll 4
            for (int b = 0; b < NB; ++b) acc[p][b] = _mm512_fmadd_ps(xv, wv[b], acc[p][b]);
          }
          w += NB * B;
        }
      } else {
        for (int ci = 0; ci < t.in_block; ++ci) {
          __m512 wv[NB];
#pragma GCC unroll 4
          for (int b = 0; b < NB; ++b) wv[b] = _mm512_load_ps(w + b * B);
#pragma GCC unroll 8
          for (int p = 0; p < P; ++p) {
            const __m512 xv = _mm512_set1_ps(*px[p]);
            px[p] += step[p];
#pragma GCC unroll 4
            for (int b = 0; b < NB; ++b) acc[p][b] = _mm512_fmadd_ps(xv, wv[b], acc[p][b]);
          }
          w += NB * B;
        }
      }
    }
  }
  const Activation::Kind kind = t.last ? t.act.kind : Activation::Kind::kNone;
  const bool in_registers = kind == Activation::Kind::kNone || kind == Activation::Kind::kRelu ||
                            kind == Activation::Kind::kClip;
  const __m512 lo = kind == Activation::Kind::kClip ? _mm512_set1_ps(t.act.a) : _mm512_setzero_ps();
  const __m512 hi = _mm512_set1_ps(t.act.b);
#pragma GCC unroll 4
  for (int b = 0; b < NB; ++b) {
    const __m512 bias = t.last && t.bias ? _mm512_loadu_ps(t.bias + b * B) : _mm512_setzero_ps();
#pragma GCC unroll 8
    for (int p = 0; p < P; ++p) {
      const int64_t o = b * t.out_block_stride + t.out_off[p];
      // The next tile's outputs and residual (one stream per output block, as for the input).
      _mm_prefetch(reinterpret_cast<const char*>(t.y + o + P * B), _MM_HINT_ET0);
      if (t.residual) _mm_prefetch(reinterpret_cast<const char*>(t.residual + o + P * B), _MM_HINT_T0);
      __m512 v = acc[p][b];
      if (t.last) {
        v = _mm512_add_ps(v, bias);
        if (t.residual) v = _mm512_add_ps(v, _mm512_loadu_ps(t.residual + o));
        // max / min return their second operand when it is NaN: a NaN stays NaN.
        if (kind == Activation::Kind::kRelu || kind == Activation::Kind::kClip) v = _mm512_max_ps(lo, v);
        if (kind == Activation::Kind::kClip) v = _mm512_min_ps(hi, v);
      }
      _mm512_storeu_ps(t.y + o, v);
      if (!in_registers) detail::bias_act(t.y + o, B, 0.0f, nullptr, t.act);
    }
  }
}

template <bool kBlocked, int P>
constexpr NchwcTileFn by_blocks[kNchwcGroupBlocks] = {tile<P, 1, kBlocked>, tile<P, 2, kBlocked>,
                                                      tile<P, 3, kBlocked>, tile<P, 4, kBlocked>};
template <bool kBlocked, int... I>
constexpr std::array<const NchwcTileFn*, sizeof...(I)> pixel_table(std::integer_sequence<int, I...>) {
  return {by_blocks<kBlocked, I + 1>...};
}
template <bool kBlocked>
constexpr auto by_pixels = pixel_table<kBlocked>(std::make_integer_sequence<int, kNchwcTilePixels>{});

}  // namespace

void nchwc_tile_avx512(const NchwcTile& t) {
  const bool blocked = t.in_block == B && t.ci_stride == 1;
  (blocked ? by_pixels<true> : by_pixels<false>)[t.pixels - 1][t.blocks - 1](t);
}

}  // namespace coreinfer::nn
#endif
