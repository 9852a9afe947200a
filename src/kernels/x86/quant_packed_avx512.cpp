// AVX-512 kernels of the packed layouts (kernels/quant/packed.h).
//
// A 64-byte load holds 128 4-bit quants; shifting its 16 words right by 4k puts the quants of
// elements 16k .. 16k+15 in the low nibbles, and vpermps (which reads only those 4 bits) looks
// them up in a 16-entry fp32 table that already holds the decoded weights of the (sub-)block:
//   Q4_0P: table = (q - 8) * d               (exactly the GGUF decoder's value)
//   Q4_KP: table = fmsub(q, d*scale, dmin*min) (dot) / (q * (d*scale)) - dmin*min (dequant, exact)
// so each 16 weights cost a shift, a permute and the FMA with x (Q6_KP, 64 levels, has no table:
// an AND, an exact conversion and an exact fmsub, see below); each row is prefetched in
// software kPrefetchBytes ahead (simd_avx512.h). The fp16 scales of a run of
// blocks are converted to fp32 into a small stack array first (one vector op per 16 blocks).
//
// Each (row, vector) pair has its own 8 accumulators, acc[k] taking the products of lanes
// 16k .. 16k+15 of each group in order, and the same final reduction; the kernels for several
// rows (gemv: 2 rows share each x load) or several vectors (decode batches) run exactly the
// same operations per pair, so every result is bit-identical to the single-row, single-vector one.
#include <algorithm>
#include <cstring>

#include "kernels/quant/blocks.h"
#include "kernels/quant/packed.h"
#include "kernels/x86/quant_x86.h"
#include "kernels/x86/simd_avx512.h"

namespace coreinfer::kernels {
namespace {

using namespace avx512;

constexpr int kB = kLegacyBlockSize;
constexpr int kN = kSuperBlockSize;
constexpr int kAcc = 8;
constexpr int64_t kQ4_0ScaleRun = 512;  // blocks whose scales are converted at once (multiple of 16)
constexpr int64_t kQ4KScaleRun = 32;    // super-blocks whose scales are decoded at once

[[gnu::always_inline]] inline __m512 centred_table() {
  return _mm512_setr_ps(-8, -7, -6, -5, -4, -3, -2, -1, 0, 1, 2, 3, 4, 5, 6, 7);
}
[[gnu::always_inline]] inline __m512 level_table() {
  return _mm512_setr_ps(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
}
// Quants of lanes 16k .. 16k+15 of a group in the low nibbles.
[[gnu::always_inline]] inline __m512i nibble_k(__m512i v, int k) { return k == 0 ? v : _mm512_srli_epi32(v, 4 * k); }

[[gnu::always_inline]] inline float reduce8(const __m512* a) {
  const __m512 s = _mm512_add_ps(_mm512_add_ps(_mm512_add_ps(a[0], a[1]), _mm512_add_ps(a[2], a[3])),
                                 _mm512_add_ps(_mm512_add_ps(a[4], a[5]), _mm512_add_ps(a[6], a[7])));
  return _mm512_reduce_add_ps(s);
}

// count (<= 16) fp16 values at p to fp32 at dst, which has room for 16 (a full store: a masked
// store would not forward to the loads that read the values back right after).
[[gnu::always_inline]] inline void halves_to_floats(const uint8_t* p, int64_t count, float* dst) {
  const __m256i h = count == 16 ? _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p))
                                : _mm256_maskz_loadu_epi16(static_cast<__mmask16>((1u << count) - 1u), p);
  _mm512_storeu_ps(dst, _mm512_cvtph_ps(h));
}

// ---------------- Q4_0P ----------------

// R rows against NX vectors; out[r * NX + j].
template <int R, int NX>
void q4_0p_kernel(const uint8_t* const* rows, const float* x, int64_t x_stride, float* out, int64_t n) {
  const int64_t nb = n / kB;
  const int64_t n_groups = nb / kQ4_0GroupBlocks;
  const __m512 table = centred_table();
  __m512 acc[R][NX][kAcc];
  for (int r = 0; r < R; ++r)
    for (int j = 0; j < NX; ++j)
      for (int k = 0; k < kAcc; ++k) acc[r][j][k] = _mm512_setzero_ps();
  alignas(64) float d[R][kQ4_0ScaleRun];
  for (int64_t b0 = 0; b0 < n_groups * kQ4_0GroupBlocks; b0 += kQ4_0ScaleRun) {
    const int64_t run = std::min(kQ4_0ScaleRun, n_groups * kQ4_0GroupBlocks - b0);
    for (int r = 0; r < R; ++r)
      for (int64_t i = 0; i < run; i += 16) halves_to_floats(rows[r] + 2 * (b0 + i), std::min<int64_t>(16, run - i), d[r] + i);
    for (int64_t gi = 0; gi < run / kQ4_0GroupBlocks; ++gi) {
      const int64_t g = b0 / kQ4_0GroupBlocks + gi;
      for (int r = 0; r < R; ++r) {
        const uint8_t* qg = rows[r] + 2 * nb + kPackedGroupBytes * g;
        _mm_prefetch(reinterpret_cast<const char*>(qg) + kPrefetchBytes, _MM_HINT_T0);
        const __m512i v = _mm512_loadu_si512(qg);
        __m512 t[kQ4_0GroupBlocks];
        for (int b = 0; b < kQ4_0GroupBlocks; ++b) t[b] = _mm512_mul_ps(table, _mm512_set1_ps(d[r][4 * gi + b]));
        for (int k = 0; k < kAcc; ++k) {
          const __m512 w = _mm512_permutexvar_ps(nibble_k(v, k), t[k / 2]);
          for (int j = 0; j < NX; ++j)
            acc[r][j][k] = _mm512_fmadd_ps(w, _mm512_loadu_ps(x + j * x_stride + 128 * g + 16 * k), acc[r][j][k]);
        }
      }
    }
  }
  for (int64_t b = n_groups * kQ4_0GroupBlocks; b < nb; ++b) {  // trailing blocks, GGUF order
    const int t = static_cast<int>(b - n_groups * kQ4_0GroupBlocks);
    for (int r = 0; r < R; ++r) {
      uint16_t dh;
      std::memcpy(&dh, rows[r] + 2 * b, 2);
      const __m512 tb = _mm512_mul_ps(table, _mm512_set1_ps(half_to_float(dh)));
      const __m512i bytes = load_u8x16(rows[r] + 2 * nb + 16 * b);
      const __m512 lo = _mm512_permutexvar_ps(bytes, tb), hi = _mm512_permutexvar_ps(_mm512_srli_epi32(bytes, 4), tb);
      for (int j = 0; j < NX; ++j) {
        const float* xb = x + j * x_stride + kB * b;
        acc[r][j][2 * t] = _mm512_fmadd_ps(lo, _mm512_loadu_ps(xb), acc[r][j][2 * t]);
        acc[r][j][2 * t + 1] = _mm512_fmadd_ps(hi, _mm512_loadu_ps(xb + 16), acc[r][j][2 * t + 1]);
      }
    }
  }
  for (int r = 0; r < R; ++r)
    for (int j = 0; j < NX; ++j) out[r * NX + j] = reduce8(acc[r][j]);
}

void dequant_q4_0p(const void* src, float* dst, int64_t n) {
  const auto* p = static_cast<const uint8_t*>(src);
  const int64_t nb = n / kB;
  const int64_t n_groups = nb / kQ4_0GroupBlocks;
  const __m512 table = centred_table();
  const auto scale = [&](int64_t b) {
    uint16_t dh;
    std::memcpy(&dh, p + 2 * b, 2);
    return _mm512_mul_ps(table, _mm512_set1_ps(half_to_float(dh)));
  };
  for (int64_t g = 0; g < n_groups; ++g) {
    const __m512i v = _mm512_loadu_si512(p + 2 * nb + kPackedGroupBytes * g);
    __m512 t[kQ4_0GroupBlocks];
    for (int b = 0; b < kQ4_0GroupBlocks; ++b) t[b] = scale(kQ4_0GroupBlocks * g + b);
    for (int k = 0; k < kAcc; ++k) _mm512_storeu_ps(dst + 128 * g + 16 * k, _mm512_permutexvar_ps(nibble_k(v, k), t[k / 2]));
  }
  for (int64_t b = n_groups * kQ4_0GroupBlocks; b < nb; ++b) {
    const __m512 tb = scale(b);
    const __m512i bytes = load_u8x16(p + 2 * nb + 16 * b);
    _mm512_storeu_ps(dst + kB * b, _mm512_permutexvar_ps(bytes, tb));
    _mm512_storeu_ps(dst + kB * b + 16, _mm512_permutexvar_ps(_mm512_srli_epi32(bytes, 4), tb));
  }
}

// ---------------- Q4_KP ----------------

// Sub-block scales d*scale and offsets dmin*min of `count` super-blocks from s0: 16 floats each,
// the 8 scales then the 8 offsets. q4k_scales_mins on the header's four words (w0, a, b, c) with
// two word shuffles, (a, c, b, c >> 4) & (3F, 0F, 3F, 0F) | (a, a, b, b) >> 2 & (0, 30, 0, 30)
// giving scales 0-3, 4-7 and mins 0-3, 4-7; one widening, one conversion, one multiply by
// (d x 8, dmin x 8) and one store per super-block.
[[gnu::always_inline]] inline void q4kp_params(const uint8_t* headers, int64_t s0, int64_t count, float* params) {
  const __m128i low_mask = _mm_setr_epi32(0x3F3F3F3F, 0x0F0F0F0F, 0x3F3F3F3F, 0x0F0F0F0F);
  const __m128i high_mask = _mm_setr_epi32(0, 0x30303030, 0, 0x30303030);
  const __m128i shift = _mm_setr_epi32(0, 0, 0, 4);
  const __m256i spread = _mm256_setr_epi8(0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1,  //
                                          2, 3, 2, 3, 2, 3, 2, 3, 2, 3, 2, 3, 2, 3, 2, 3);
  for (int64_t s = 0; s < count; ++s) {
    const uint8_t* h = headers + kQ4KHeaderBytes * (s0 + s);
    const __m128i words = _mm_loadu_si128(reinterpret_cast<const __m128i*>(h));
    const __m128i low = _mm_srlv_epi32(_mm_shuffle_epi32(words, _MM_SHUFFLE(3, 2, 3, 1)), shift);
    const __m128i high = _mm_srli_epi32(_mm_shuffle_epi32(words, _MM_SHUFFLE(2, 2, 1, 1)), 2);
    const __m128i bytes = _mm_or_si128(_mm_and_si128(low, low_mask), _mm_and_si128(high, high_mask));
    const __m256i halves = _mm256_shuffle_epi8(_mm256_set1_epi32(static_cast<int>(load_le32(h))), spread);
    _mm512_storeu_ps(params + 16 * s, _mm512_mul_ps(to_float(_mm512_cvtepu8_epi32(bytes)), _mm512_cvtph_ps(halves)));
  }
}

template <int R, int NX>
void q4kp_kernel(const uint8_t* const* rows, const float* x, int64_t x_stride, float* out, int64_t n) {
  const int64_t ns = n / kN;
  const __m512 table = level_table();
  __m512 acc[R][NX][kAcc];
  for (int r = 0; r < R; ++r)
    for (int j = 0; j < NX; ++j)
      for (int k = 0; k < kAcc; ++k) acc[r][j][k] = _mm512_setzero_ps();
  alignas(64) float params[R][16 * kQ4KScaleRun];
  for (int64_t s0 = 0; s0 < ns; s0 += kQ4KScaleRun) {
    const int64_t run = std::min(kQ4KScaleRun, ns - s0);
    for (int r = 0; r < R; ++r) q4kp_params(rows[r], s0, run, params[r]);
    for (int64_t si = 0; si < run; ++si) {
      const int64_t s = s0 + si;
      for (int h = 0; h < 2; ++h) {
        for (int r = 0; r < R; ++r) {
          const uint8_t* qg = rows[r] + kQ4KHeaderBytes * ns + 128 * s + kPackedGroupBytes * h;
          _mm_prefetch(reinterpret_cast<const char*>(qg) + kPrefetchBytes, _MM_HINT_T0);
          const __m512i v = _mm512_loadu_si512(qg);
          for (int sb = 0; sb < 4; ++sb) {
            const int i = 16 * static_cast<int>(si) + 4 * h + sb;
            const __m512 t = _mm512_fmsub_ps(table, _mm512_set1_ps(params[r][i]), _mm512_set1_ps(params[r][i + 8]));
            for (int kk = 0; kk < 2; ++kk) {
              const int k = 2 * sb + kk;
              const __m512 w = _mm512_permutexvar_ps(nibble_k(v, k), t);
              for (int j = 0; j < NX; ++j) {
                const float* xg = x + j * x_stride + kN * s + 128 * h + 16 * k;
                acc[r][j][k] = _mm512_fmadd_ps(w, _mm512_loadu_ps(xg), acc[r][j][k]);
              }
            }
          }
        }
      }
    }
  }
  for (int r = 0; r < R; ++r)
    for (int j = 0; j < NX; ++j) out[r * NX + j] = reduce8(acc[r][j]);
}

void dequant_q4_kp(const void* src, float* dst, int64_t n) {
  const auto* p = static_cast<const uint8_t*>(src);
  const int64_t ns = n / kN;
  const __m512 table = level_table();
  alignas(64) float params[16];
  for (int64_t s = 0; s < ns; ++s) {
    q4kp_params(p, s, 1, params);
    for (int h = 0; h < 2; ++h) {
      const __m512i v = _mm512_loadu_si512(p + kQ4KHeaderBytes * ns + 128 * s + kPackedGroupBytes * h);
      for (int sb = 0; sb < 4; ++sb) {
        const __m512 t = _mm512_sub_ps(_mm512_mul_ps(table, _mm512_set1_ps(params[4 * h + sb])),
                                       _mm512_set1_ps(params[8 + 4 * h + sb]));
        for (int kk = 0; kk < 2; ++kk) {
          const int k = 2 * sb + kk;
          _mm512_storeu_ps(dst + kN * s + 128 * h + 16 * k, _mm512_permutexvar_ps(nibble_k(v, k), t));
        }
      }
    }
  }
}

// ---------------- Q6_KP ----------------
// Group g < 15 of a super-block: q * 2^(6 j) = vector g / 5 AND (0x3F << 6 j), j = g % 5, exact
// in fp32, times (d * scale) * 2^(-6 j); group 15 gathers its three 2-bit pieces from bits 30-31
// of the three vectors (two shifts, two bit-selects, one shift). The dot forms each weight with one
// exact fmsub (q * 2^(6 j)) * m - 32 * d * scale (every weight is an fp32 value, packed.h) and
// accumulates acc[g % 4]; the decoder multiplies the exact integer (q - 32) * 2^(6 j) instead, so
// a zero weight keeps the sign of the scale as in the GGUF decoder.

constexpr int64_t kQ6KScaleRun = 16;  // super-blocks whose scales are converted at once
constexpr int kQ6KGroups = 16;

[[gnu::always_inline]] inline __m512 q6kp_pow2() {
  constexpr float a = 1.0f, b = 1.0f / 64, c = 1.0f / 4096, e = 1.0f / 262144, f = 1.0f / 16777216;
  return _mm512_setr_ps(a, b, c, e, f, a, b, c, e, f, a, b, c, e, f, 1.0f);
}

// m[g] = d * scale[g] * 2^(-6 (g % 5)) (2^0 for g = 15) and o[g] = 32 * d * scale[g] of `count`
// super-blocks from s0, 16 each.
[[gnu::always_inline]] inline void q6kp_params(const uint8_t* p, int64_t ns, int64_t s0, int64_t count, float* m, float* o) {
  const __m512 pow2 = q6kp_pow2();
  for (int64_t s = 0; s < count; ++s) {
    uint16_t dh;
    std::memcpy(&dh, p + 2 * (s0 + s), 2);
    const __m512 ds = _mm512_mul_ps(to_float(load_i8x16(reinterpret_cast<const int8_t*>(p + 2 * ns + 16 * (s0 + s)))),
                                    _mm512_set1_ps(half_to_float(dh)));
    _mm512_storeu_ps(m + kQ6KGroups * s, _mm512_mul_ps(ds, pow2));
    _mm512_storeu_ps(o + kQ6KGroups * s, _mm512_mul_ps(ds, _mm512_set1_ps(32.0f)));
  }
}

// q of group g of the super-block in v[0..3): q * 2^(6 (g % 5)) for g < 15, q for g = 15.
[[gnu::always_inline]] inline __m512i q6kp_group(const __m512i* v, int g) {
  if (g < 15) {
    const int j = g % 5;
    return _mm512_and_si512(v[g / 5], _mm512_set1_epi32(0x3F << (6 * j)));
  }
  constexpr int kSelect = 0xE4;  // c ? a : b
  const __m512i u = _mm512_ternarylogic_epi32(v[0], _mm512_srli_epi32(v[1], 2), _mm512_set1_epi32(static_cast<int>(0xC0000000u)), kSelect);
  const __m512i r = _mm512_ternarylogic_epi32(u, _mm512_srli_epi32(v[2], 4), _mm512_set1_epi32(static_cast<int>(0xF0000000u)), kSelect);
  return _mm512_srli_epi32(r, 26);
}

template <int R, int NX>
void q6kp_kernel(const uint8_t* const* rows, const float* x, int64_t x_stride, float* out, int64_t n) {
  constexpr int kA = 4;
  const int64_t ns = n / kN;
  __m512 acc[R][NX][kA];
  for (int r = 0; r < R; ++r)
    for (int j = 0; j < NX; ++j)
      for (int k = 0; k < kA; ++k) acc[r][j][k] = _mm512_setzero_ps();
  alignas(64) float mul[R][kQ6KGroups * kQ6KScaleRun], off[R][kQ6KGroups * kQ6KScaleRun];
  for (int64_t s0 = 0; s0 < ns; s0 += kQ6KScaleRun) {
    const int64_t run = std::min(kQ6KScaleRun, ns - s0);
    for (int r = 0; r < R; ++r) q6kp_params(rows[r], ns, s0, run, mul[r], off[r]);
    for (int64_t si = 0; si < run; ++si) {
      const int64_t s = s0 + si;
      __m512i v[R][3];
      for (int r = 0; r < R; ++r) {
        const uint8_t* qs = rows[r] + kQ6KScaleBytes * ns + kQ6KQuantBytes * s;
        for (int c = 0; c < 3; ++c) {
          _mm_prefetch(reinterpret_cast<const char*>(qs) + kPrefetchBytes + 64 * c, _MM_HINT_T0);
          v[r][c] = _mm512_loadu_si512(qs + 64 * c);
        }
      }
#pragma GCC unroll 16
    for (int g = 0; g < kQ6KGroups; ++g) {
        for (int r = 0; r < R; ++r) {
          const int i = kQ6KGroups * static_cast<int>(si) + g;
          const __m512 w = _mm512_fmsub_ps(_mm512_cvtepi32_ps(q6kp_group(v[r], g)), _mm512_set1_ps(mul[r][i]),
                                           _mm512_set1_ps(off[r][i]));
          for (int j = 0; j < NX; ++j)
            acc[r][j][g % kA] = _mm512_fmadd_ps(w, _mm512_loadu_ps(x + j * x_stride + kN * s + 16 * g), acc[r][j][g % kA]);
        }
      }
    }
  }
  for (int r = 0; r < R; ++r)
    for (int j = 0; j < NX; ++j)
      out[r * NX + j] = _mm512_reduce_add_ps(
          _mm512_add_ps(_mm512_add_ps(acc[r][j][0], acc[r][j][1]), _mm512_add_ps(acc[r][j][2], acc[r][j][3])));
}

void dequant_q6_kp(const void* src, float* dst, int64_t n) {
  const auto* p = static_cast<const uint8_t*>(src);
  const int64_t ns = n / kN;
  alignas(64) float mul[kQ6KGroups], off[kQ6KGroups];
  for (int64_t s = 0; s < ns; ++s) {
    q6kp_params(p, ns, s, 1, mul, off);
    const uint8_t* qs = p + kQ6KScaleBytes * ns + kQ6KQuantBytes * s;
    const __m512i v[3] = {_mm512_loadu_si512(qs), _mm512_loadu_si512(qs + 64), _mm512_loadu_si512(qs + 128)};
#pragma GCC unroll 16
    for (int g = 0; g < kQ6KGroups; ++g) {
      const int shift = g < 15 ? 6 * (g % 5) : 0;
      const __m512i centred = _mm512_sub_epi32(q6kp_group(v, g), _mm512_set1_epi32(32 << shift));
      _mm512_storeu_ps(dst + kN * s + 16 * g, _mm512_mul_ps(_mm512_cvtepi32_ps(centred), _mm512_set1_ps(mul[g])));
    }
  }
}

// ---------------- the DotMultiFn driver ----------------

// One vector: rows two at a time (they share each x load), then the odd one. Several vectors:
// one row at a time against all of them (each decoded weight vector feeds NX FMAs).
template <template <int, int> class K>
void dot_multi(const void* w, size_t row_stride, int64_t n_rows, const float* x, int64_t x_stride, int64_t n_x,
               float* y, int64_t y_stride, int64_t n) {
  const auto* base = static_cast<const uint8_t*>(w);
  float out[kMaxDotVectors * 2];
  int64_t r = 0;
  if (n_x == 1) {
    // Row i with row i + half: two sequential streams through memory for the prefetchers
    // (adjacent pairs would start a new stream at every pair).
    const int64_t half = n_rows / 2;
    for (int64_t i = 0; i < half; ++i) {
      const uint8_t* rows[2] = {base + i * row_stride, base + (i + half) * row_stride};
      K<2, 1>::run(rows, x, x_stride, out, n);
      y[i] = out[0];
      y[i + half] = out[1];
    }
    r = 2 * half;
  }
  for (; r < n_rows; ++r) {
    const uint8_t* rows[1] = {base + r * row_stride};
    switch (n_x) {
      case 1: K<1, 1>::run(rows, x, x_stride, out, n); break;
      case 2: K<1, 2>::run(rows, x, x_stride, out, n); break;
      case 3: K<1, 3>::run(rows, x, x_stride, out, n); break;
      case 4: K<1, 4>::run(rows, x, x_stride, out, n); break;
      case 5: K<1, 5>::run(rows, x, x_stride, out, n); break;
      case 6: K<1, 6>::run(rows, x, x_stride, out, n); break;
      case 7: K<1, 7>::run(rows, x, x_stride, out, n); break;
      default: K<1, 8>::run(rows, x, x_stride, out, n); break;
    }
    for (int64_t j = 0; j < n_x; ++j) y[j * y_stride + r] = out[j];
  }
}

template <int R, int NX>
struct Q4_0P {
  static void run(const uint8_t* const* rows, const float* x, int64_t xs, float* out, int64_t n) {
    q4_0p_kernel<R, NX>(rows, x, xs, out, n);
  }
};
template <int R, int NX>
struct Q4_KP {
  static void run(const uint8_t* const* rows, const float* x, int64_t xs, float* out, int64_t n) {
    q4kp_kernel<R, NX>(rows, x, xs, out, n);
  }
};

template <int R, int NX>
struct Q6_KP {
  static void run(const uint8_t* const* rows, const float* x, int64_t xs, float* out, int64_t n) {
    q6kp_kernel<R, NX>(rows, x, xs, out, n);
  }
};

}  // namespace

void register_quant_packed_avx512(KernelTable& t) {
  set_simd_packed_kernels(t, DType::kQ4_0, Isa::kAvx512, dequant_q4_0p, dot_multi<Q4_0P>);
  set_simd_packed_kernels(t, DType::kQ4_K, Isa::kAvx512, dequant_q4_kp, dot_multi<Q4_KP>);
  set_simd_packed_kernels(t, DType::kQ6_K, Isa::kAvx512, dequant_q6_kp, dot_multi<Q6_KP>);
}

}  // namespace coreinfer::kernels
