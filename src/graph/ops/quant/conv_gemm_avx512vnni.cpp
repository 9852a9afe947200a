// AVX-512 VNNI kernels of conv_gemm.h: tiles of 6 output channels x 4 vectors of 16 pixels, stored
// as int32 or requantised in registers and stored as bytes (the fused epilogue).
#if defined(__x86_64__)
#include <immintrin.h>

#include <algorithm>
#include <cstring>

#include "graph/ops/quant/conv_gemm.h"
#include "graph/ops/quant/requant_avx512.h"
#include "graph/ops/quant/requant_row.h"

namespace coreinfer::quant {
namespace {

// acc[r][v] = start[r] (0 when start is null) + the tile's products.
template <int MR, int NV>
inline void accumulate(const int8_t* w, int64_t kp, const uint8_t* x, int64_t pixels, const int32_t* start,
                       __m512i (&acc)[MR][NV]) {
#pragma GCC unroll 8
  for (int r = 0; r < MR; ++r)
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) acc[r][v] = start != nullptr ? _mm512_set1_epi32(start[r]) : _mm512_setzero_si512();
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
}

template <int MR, int NV>
void tile(const int8_t* w, int64_t kp, const uint8_t* x, int64_t pixels, int32_t* c, int64_t ldc,
          const int32_t* start = nullptr) {
  __m512i acc[MR][NV];
  accumulate<MR, NV>(w, kp, x, pixels, start, acc);
#pragma GCC unroll 8
  for (int r = 0; r < MR; ++r)
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) _mm512_storeu_si512(c + r * ldc + v * 16, acc[r][v]);
}

// Where the fused tile writes: output channels oc.. of the pixels [p0, p0 + 16 * NV) of the block.
struct FusedTarget {
  const ConvRequantOutput* out;
  const PackedConvWeights* w;
  int64_t oc, p0;
};

template <int MR, int NV>
void tile_requant(const int8_t* w, int64_t kp, const uint8_t* x, int64_t pixels, const FusedTarget& t) {
  // through an L1 buffer: with the epilogue in the same function GCC keeps the accumulators in memory
  alignas(64) int32_t c[MR][16 * NV];
  tile<MR, NV>(w, kp, x, pixels, &c[0][0], 16 * NV, t.out->term + t.oc);  // the sums start at term[oc]
  const ConvRequantOutput& o = *t.out;
  const int64_t n = std::min<int64_t>(o.rows - t.p0, 16 * NV);  // real pixels of this tile (> 0)
  const __mmask64 store = n >= 64 ? ~__mmask64{0} : (__mmask64{1} << n) - 1;
  for (int r = 0; r < MR; ++r) {
    const int64_t oc = t.oc + r;
    const Requant& rq = o.requant[oc];
    __m512i q[4];
#pragma GCC unroll 4
    for (int v = 0; v < 4; ++v) {
      if (v >= NV) {
        q[v] = _mm512_setzero_si512();
        continue;
      }
      __m512i a = _mm512_load_si512(&c[r][16 * v]);
      if (o.pixel_sum != nullptr)
        a = _mm512_sub_epi32(a, _mm512_mullo_epi32(_mm512_loadu_si512(o.pixel_sum + t.p0 + 16 * v),
                                                   _mm512_set1_epi32(t.w->zero_points[oc])));
      if (o.small_scales) {  // clamped by the packs below
        const __m512 f = _mm512_mul_ps(_mm512_cvtepi32_ps(a), _mm512_set1_ps(rq.scale));
        q[v] = _mm512_add_epi32(_mm512_cvtps_epi32(f), _mm512_set1_epi32(rq.zero_point));
      } else {
        q[v] = requantize16(a, rq);
      }
    }
    // the saturating packs clamp to the output type's range (exact for values inside it)
    _mm512_mask_storeu_epi8(o.y + oc * o.ldy + t.p0, store, narrow_to_bytes(q, o.is_signed));
  }
}

template <int NV>
void pixel_group(const PackedConvWeights& w, int64_t oc_begin, int64_t oc_end, const uint8_t* x, int64_t pixels,
                 int32_t* c) {
  const int64_t kp = w.k_padded;
  int64_t oc = oc_begin;
  for (; oc + 6 <= oc_end; oc += 6) tile<6, NV>(w.w.data() + oc * kp, kp, x, pixels, c + oc * pixels, pixels);
  if (oc + 4 <= oc_end) {
    tile<4, NV>(w.w.data() + oc * kp, kp, x, pixels, c + oc * pixels, pixels);
    oc += 4;
  }
  if (oc + 2 <= oc_end) {
    tile<2, NV>(w.w.data() + oc * kp, kp, x, pixels, c + oc * pixels, pixels);
    oc += 2;
  }
  if (oc < oc_end) tile<1, NV>(w.w.data() + oc * kp, kp, x, pixels, c + oc * pixels, pixels);
}

template <int NV>
void pixel_group_requant(const PackedConvWeights& w, int64_t oc_begin, int64_t oc_end, const uint8_t* x,
                         int64_t pixels, FusedTarget t) {
  const int64_t kp = w.k_padded;
  int64_t oc = oc_begin;
  for (; oc + 6 <= oc_end; oc += 6) {
    t.oc = oc;
    tile_requant<6, NV>(w.w.data() + oc * kp, kp, x, pixels, t);
  }
  if (oc + 4 <= oc_end) {
    t.oc = oc;
    tile_requant<4, NV>(w.w.data() + oc * kp, kp, x, pixels, t);
    oc += 4;
  }
  if (oc + 2 <= oc_end) {
    t.oc = oc;
    tile_requant<2, NV>(w.w.data() + oc * kp, kp, x, pixels, t);
    oc += 2;
  }
  if (oc < oc_end) {
    t.oc = oc;
    tile_requant<1, NV>(w.w.data() + oc * kp, kp, x, pixels, t);
  }
}

}  // namespace

void conv_gemm_requant_avx512vnni(const PackedConvWeights& w, int64_t oc_begin, int64_t oc_end, const uint8_t* x,
                                  int64_t pixels, const ConvRequantOutput& out) {
  FusedTarget t{&out, &w, 0, 0};
  const int64_t vectors = (out.rows + 15) / 16;  // only vectors holding real pixels
  int64_t v = 0;
  for (; v + 4 <= vectors; v += 4) {
    t.p0 = v * 16;
    pixel_group_requant<4>(w, oc_begin, oc_end, x + v * 64, pixels, t);
  }
  t.p0 = v * 16;
  switch (vectors - v) {
    case 3: pixel_group_requant<3>(w, oc_begin, oc_end, x + v * 64, pixels, t); break;
    case 2: pixel_group_requant<2>(w, oc_begin, oc_end, x + v * 64, pixels, t); break;
    case 1: pixel_group_requant<1>(w, oc_begin, oc_end, x + v * 64, pixels, t); break;
    default: break;
  }
}

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
