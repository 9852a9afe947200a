// AVX2 kernels of the 8-bit activation path (kernels/quant/int8_path.h): the Q8A quantizer and
// the integer dot products of Q8_0I, Q4_0I, Q4_K and Q6_K.
//
// Integer part: vpmaddubsw (u8 x s8 pairs -> s16) then vpmaddwd (s16 pairs -> s32 per 4
// elements), never saturating:
//   Q8_0I: |w| (<= 128) x (x with w's sign) (<= 127): pair sums <= 32512.
//   Q4_0I, Q4_K: nibble (<= 15) x x: <= 3810. Q6_K: 6-bit q (<= 63) x x: <= 16002.
// The offsets of Q4_0I (-8) and Q6_K (-32) are subtracted in the s16 pair sums: maddubs(q, x) -
// maddubs(c, x) = (q0 - c) x0 + (q1 - c) x1 exactly (|.| <= 8128), the second vpmaddubsw once
// per activation block for all rows of the tile; so every s32 lane is the exact sum over its 4
// elements of (q - c) x: the reference's isum - c * s, split by lanes with no cancellation
// left between lanes for the fp32 sums.
// Q6_K's int8 group scales enter in the vpmaddwd (lanes 0-3 one group, 4-7 the next).
// Per block the 8 lanes are converted (exactly) and FMAd with the block's fp32 scale
// (d_w * d_x, Q4_K: d * sc * d_x; Q6_K: d * d_x) into one accumulator per (row, vector);
// Q4_K's min term is one fnmadd per super-block with the 8 sub-blocks in the lanes.
// Tiles (4 rows, Q6_K 2, x 1 vector; 2 x 2) share the weight decoding and activation loads; each
// (row, vector) pair runs the same operations in the same order whatever the tile, then one
// final reduction, so results do not depend on n_rows / n_x.
#include <immintrin.h>

#include <algorithm>
#include <cstddef>
#include <cstring>

#include "kernels/kernel_table.h"
#include "kernels/quant/blocks.h"
#include "kernels/quant/int8_path.h"
#include "kernels/x86/simd_avx2.h"

namespace coreinfer::kernels {
namespace {

using namespace avx2;

constexpr int kB = kQ8ABlock;
constexpr int kN = kSuperBlockSize;
constexpr int kPrefetchBytes = 3072;  // how far ahead of each row's stream to prefetch

[[gnu::always_inline]] inline __m256i load256(const void* p) {
  return _mm256_loadu_si256(static_cast<const __m256i*>(p));
}
[[gnu::always_inline]] inline __m128i load128(const void* p) { return _mm_loadu_si128(static_cast<const __m128i*>(p)); }
[[gnu::always_inline]] inline float load_half(const uint8_t* p) {
  uint16_t h;
  std::memcpy(&h, p, 2);
  return half_to_float(h);
}
[[gnu::always_inline]] inline void prefetch(const uint8_t* p) {
  _mm_prefetch(reinterpret_cast<const char*>(p), _MM_HINT_T0);
}
// s32 lanes of the s16 pair sums (4 elements per lane).
[[gnu::always_inline]] inline __m256i pairs_to_i32(__m256i s16) { return _mm256_madd_epi16(s16, _mm256_set1_epi16(1)); }
[[gnu::always_inline]] inline __m256 fma_block(float scale, __m256i lanes, __m256 acc) {
  return _mm256_fmadd_ps(_mm256_set1_ps(scale), _mm256_cvtepi32_ps(lanes), acc);
}

// The activation vector of a Q8A buffer.
struct Act {
  const uint8_t* q;  // n int8
  const uint8_t* d;  // nb fp32
  const uint8_t* s;  // n / 16 int16
};
inline Act act_at(const uint8_t* xq, int64_t n) { return {xq, xq + n, xq + n + n / 8}; }

// ---------------- quantize_act ----------------

// The scalar quantizer's operations (kernels/ref/quant_int8_ref.cpp) lane by lane: amax as fmax
// (vmaxps with the running max second ignores NaN like fmax), d and 1/d in scalar fp32, q by
// vcvtps2dq (round-half-even; +-inf and NaN, the only products out of range, give INT_MIN as
// lrint gives LONG_MIN), saturating packs then max(q, -127): the reference's clamp.
void quantize_act_avx2(const float* x, void* xq, int64_t n) {
  auto* p = static_cast<uint8_t*>(xq);
  const int64_t nb = n / kB;
  const __m256 abs_mask = _mm256_castsi256_ps(_mm256_set1_epi32(0x7FFFFFFF));
  const __m256i order = _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7);
  for (int64_t b = 0; b < nb; ++b) {
    const float* xb = x + kB * b;
    __m256 v[4];
    __m256 m = _mm256_setzero_ps();
    for (int i = 0; i < 4; ++i) {
      v[i] = _mm256_loadu_ps(xb + 8 * i);
      m = _mm256_max_ps(_mm256_and_ps(v[i], abs_mask), m);
    }
    __m128 h = _mm_max_ps(_mm256_castps256_ps128(m), _mm256_extractf128_ps(m, 1));
    h = _mm_max_ps(h, _mm_movehl_ps(h, h));
    h = _mm_max_ss(h, _mm_movehdup_ps(h));
    const float amax = _mm_cvtss_f32(h);
    const float d = amax / 127.0f;
    const float id = d != 0.0f ? 1.0f / d : 0.0f;
    const __m256 vid = _mm256_set1_ps(id);
    __m256i q[4];
    for (int i = 0; i < 4; ++i) q[i] = _mm256_cvtps_epi32(_mm256_mul_ps(v[i], vid));
    // packs interleave the 128-bit lanes: dwords come out as 0,2,4,6,1,3,5,7 of the 4-element runs.
    __m256i q8 = _mm256_packs_epi16(_mm256_packs_epi32(q[0], q[1]), _mm256_packs_epi32(q[2], q[3]));
    q8 = _mm256_max_epi8(_mm256_permutevar8x32_epi32(q8, order), _mm256_set1_epi8(-127));
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(p + kB * b), q8);
    std::memcpy(p + n + 4 * b, &d, sizeof d);
    // Sums of elements 0-15 (lanes 0-3) and 16-31 (lanes 4-7).
    __m256i s = pairs_to_i32(_mm256_maddubs_epi16(_mm256_set1_epi8(1), q8));
    s = _mm256_hadd_epi32(s, s);
    s = _mm256_hadd_epi32(s, s);
    const int16_t sums[2] = {static_cast<int16_t>(_mm256_extract_epi32(s, 0)),
                             static_cast<int16_t>(_mm256_extract_epi32(s, 4))};
    std::memcpy(p + n + n / 8 + 4 * b, sums, sizeof sums);
  }
}

// ---------------- Q8_0I, Q4_0I ----------------
// Both rows start with fp16 d[nb]. sc[r][v][i] = d_w[b0 + i] * d_x[b0 + i] for i < count (<= 8),
// the same fp32 product whether 8 at a time or one by one.
template <int R, int V>
[[gnu::always_inline]] inline void legacy_scales(const uint8_t* const* rows, const Act* x, int64_t b0, int count,
                                                 float (*sc)[V][8]) {
  if (count == 8) {
    __m256 dx[V];
    for (int v = 0; v < V; ++v) dx[v] = _mm256_loadu_ps(reinterpret_cast<const float*>(x[v].d + 4 * b0));
    for (int r = 0; r < R; ++r) {
      const __m256 dw = _mm256_cvtph_ps(load128(rows[r] + 2 * b0));
      for (int v = 0; v < V; ++v) _mm256_store_ps(sc[r][v], _mm256_mul_ps(dw, dx[v]));
    }
    return;
  }
  for (int i = 0; i < count; ++i)
    for (int r = 0; r < R; ++r)
      for (int v = 0; v < V; ++v) {
        float dx;
        std::memcpy(&dx, x[v].d + 4 * (b0 + i), 4);
        sc[r][v][i] = load_half(rows[r] + 2 * (b0 + i)) * dx;
      }
}

// Q8_0I: fp16 d[nb], then int8 q[n]. |w| x (x with w's sign) per block.

struct Q8_0I {
  static constexpr int kRowsAlone = 4;  // rows per tile against a single vector
  template <int R, int V>
  static void run(const uint8_t* const* rows, const int64_t* idx, const uint8_t* xq, size_t xq_stride, float* y,
                  int64_t y_stride, int64_t n) {
    const int64_t nb = n / kB;
    Act x[V];
    for (int v = 0; v < V; ++v) x[v] = act_at(xq + v * xq_stride, n);
    __m256 acc[R][V];
    for (int r = 0; r < R; ++r)
      for (int v = 0; v < V; ++v) acc[r][v] = _mm256_setzero_ps();
    alignas(32) float sc[R][V][8];
    for (int64_t b0 = 0; b0 < nb; b0 += 8) {
      const int count = static_cast<int>(std::min<int64_t>(8, nb - b0));
      legacy_scales<R, V>(rows, x, b0, count, sc);
      for (int i = 0; i < count; ++i) {
        const int64_t b = b0 + i;
        __m256i xv[V];
        for (int v = 0; v < V; ++v) xv[v] = load256(x[v].q + kB * b);
        for (int r = 0; r < R; ++r) {
          const uint8_t* qw = rows[r] + 2 * nb + kB * b;
          if (i % 2 == 0) prefetch(qw + kPrefetchBytes);
          const __m256i wv = load256(qw);
          const __m256i aw = _mm256_sign_epi8(wv, wv);  // |w| as u8 (128 for -128)
          for (int v = 0; v < V; ++v) {
            const __m256i lanes = pairs_to_i32(_mm256_maddubs_epi16(aw, _mm256_sign_epi8(xv[v], wv)));
            acc[r][v] = fma_block(sc[r][v][i], lanes, acc[r][v]);
          }
        }
      }
    }
    for (int r = 0; r < R; ++r)
      for (int v = 0; v < V; ++v) y[v * y_stride + idx[r]] = hsum(acc[r][v]);
  }
};

// Q4_0I: fp16 d[nb], then 32 bytes per pair of blocks (low nibbles block 2p, high 2p + 1), an
// odd last block in 16 bytes GGUF order.

struct Q4_0I {
  static constexpr int kRowsAlone = 4;  // rows per tile against a single vector
  template <int R, int V>
  static void run(const uint8_t* const* rows, const int64_t* idx, const uint8_t* xq, size_t xq_stride, float* y,
                  int64_t y_stride, int64_t n) {
    const int64_t nb = n / kB;
    Act x[V];
    for (int v = 0; v < V; ++v) x[v] = act_at(xq + v * xq_stride, n);
    __m256 acc[R][V];
    for (int r = 0; r < R; ++r)
      for (int v = 0; v < V; ++v) acc[r][v] = _mm256_setzero_ps();
    const __m256i mask = _mm256_set1_epi8(0x0F), eight = _mm256_set1_epi8(8);
    alignas(32) float sc[R][V][8];
    for (int64_t b0 = 0; b0 < nb; b0 += 8) {
      const int count = static_cast<int>(std::min<int64_t>(8, nb - b0));
      legacy_scales<R, V>(rows, x, b0, count, sc);
      // Block b against quants q[r] (nibbles in element order) of every row.
      auto block = [&](const __m256i* q, int64_t b, int i) __attribute__((always_inline)) {
#pragma GCC unroll 2
        for (int v = 0; v < V; ++v) {
          const __m256i xv = load256(x[v].q + kB * b);
          const __m256i off = _mm256_maddubs_epi16(eight, xv);
#pragma GCC unroll 4
          for (int r = 0; r < R; ++r) {
            const __m256i s16 = _mm256_sub_epi16(_mm256_maddubs_epi16(q[r], xv), off);
            acc[r][v] = fma_block(sc[r][v][i], pairs_to_i32(s16), acc[r][v]);
          }
        }
      };
      int i = 0;
      for (; i + 2 <= count; i += 2) {
        const int64_t b = b0 + i;
        __m256i lo[R], hi[R];
#pragma GCC unroll 4
        for (int r = 0; r < R; ++r) {
          const uint8_t* qw = rows[r] + 2 * nb + 16 * b;
          prefetch(qw + kPrefetchBytes);
          const __m256i v = load256(qw);
          lo[r] = _mm256_and_si256(v, mask);
          hi[r] = _mm256_and_si256(_mm256_srli_epi16(v, 4), mask);
        }
        block(lo, b, i);
        block(hi, b + 1, i + 1);
      }
      if (i < count) {  // the odd last block: 16 bytes, elements l and 16 + l in byte l
        const int64_t b = b0 + i;
        __m256i q[R];
        for (int r = 0; r < R; ++r) {
          const __m128i v = load128(rows[r] + 2 * nb + 16 * b);
          q[r] = _mm256_set_m128i(_mm_and_si128(_mm_srli_epi16(v, 4), _mm256_castsi256_si128(mask)),
                                  _mm_and_si128(v, _mm256_castsi256_si128(mask)));
        }
        block(q, b, i);
      }
    }
    for (int r = 0; r < R; ++r)
      for (int v = 0; v < V; ++v) y[v * y_stride + idx[r]] = hsum(acc[r][v]);
  }
};

// ---------------- Q4_K (GGUF layout) ----------------

// The 8 sub-block scales (bytes 0-7) and mins (bytes 8-15) of q4k_scale_min from the block's
// first 16 bytes (d, dmin, the 12 scale bytes = words w0, a, b, c):
// (a, c, b, c >> 4) & (3F, 0F, 3F, 0F) | ((a, a, b, b) >> 2) & (0, 30, 0, 30).
[[gnu::always_inline]] inline __m128i q4k_scale_bytes(__m128i words) {
  const __m128i low = _mm_srlv_epi32(_mm_shuffle_epi32(words, _MM_SHUFFLE(3, 2, 3, 1)), _mm_setr_epi32(0, 0, 0, 4));
  const __m128i high = _mm_srli_epi32(_mm_shuffle_epi32(words, _MM_SHUFFLE(2, 2, 1, 1)), 2);
  return _mm_or_si128(_mm_and_si128(low, _mm_setr_epi32(0x3F3F3F3F, 0x0F0F0F0F, 0x3F3F3F3F, 0x0F0F0F0F)),
                      _mm_and_si128(high, _mm_setr_epi32(0, 0x30303030, 0, 0x30303030)));
}

struct Q4K {
  static constexpr int kRowsAlone = 4;  // rows per tile against a single vector
  template <int R, int V>
  static void run(const uint8_t* const* rows, const int64_t* idx, const uint8_t* xq, size_t xq_stride, float* y,
                  int64_t y_stride, int64_t n) {
    const int64_t ns = n / kN;
    Act x[V];
    for (int v = 0; v < V; ++v) x[v] = act_at(xq + v * xq_stride, n);
    __m256 acc[R][V];
    for (int r = 0; r < R; ++r)
      for (int v = 0; v < V; ++v) acc[r][v] = _mm256_setzero_ps();
    const __m256i mask = _mm256_set1_epi8(0x0F);
    alignas(32) float sc[R][V][8];
    for (int64_t s = 0; s < ns; ++s) {
      __m256 dx[V], sx[V];
      for (int v = 0; v < V; ++v) {
        dx[v] = _mm256_loadu_ps(reinterpret_cast<const float*>(x[v].d + 32 * s));
        sx[v] = _mm256_cvtepi32_ps(pairs_to_i32(load256(x[v].s + 32 * s)));
      }
      for (int r = 0; r < R; ++r) {
        const uint8_t* blk = rows[r] + sizeof(BlockQ4_K) * s;
        prefetch(blk + kPrefetchBytes);
        prefetch(blk + kPrefetchBytes + 64);
        prefetch(blk + kPrefetchBytes + 128);
        const __m128i words = load128(blk);
        const __m128i bytes = q4k_scale_bytes(words);
        const __m128 dd = _mm_cvtph_ps(words);  // d, dmin (and two meaningless values)
        const __m256 dsc = _mm256_mul_ps(_mm256_broadcastss_ps(dd), _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(bytes)));
        const __m256 dmn = _mm256_mul_ps(_mm256_broadcastss_ps(_mm_movehdup_ps(dd)),
                                         _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(_mm_unpackhi_epi64(bytes, bytes))));
        for (int v = 0; v < V; ++v) {
          _mm256_store_ps(sc[r][v], _mm256_mul_ps(dsc, dx[v]));
          acc[r][v] = _mm256_fnmadd_ps(_mm256_mul_ps(dmn, dx[v]), sx[v], acc[r][v]);
        }
      }
#pragma GCC unroll 4
      for (int c = 0; c < 4; ++c) {
        __m256i lo[R], hi[R];
        for (int r = 0; r < R; ++r) {
          const __m256i v = load256(rows[r] + sizeof(BlockQ4_K) * s + offsetof(BlockQ4_K, qs) + 32 * c);
          lo[r] = _mm256_and_si256(v, mask);
          hi[r] = _mm256_and_si256(_mm256_srli_epi16(v, 4), mask);
        }
#pragma GCC unroll 2
        for (int h = 0; h < 2; ++h) {
          const int j = 2 * c + h;
          for (int v = 0; v < V; ++v) {
            const __m256i xv = load256(x[v].q + kN * s + kB * j);
            for (int r = 0; r < R; ++r) {
              const __m256i s16 = _mm256_maddubs_epi16(h == 0 ? lo[r] : hi[r], xv);
              acc[r][v] = fma_block(sc[r][v][j], pairs_to_i32(s16), acc[r][v]);
            }
          }
        }
      }
    }
    for (int r = 0; r < R; ++r)
      for (int v = 0; v < V; ++v) y[v * y_stride + idx[r]] = hsum(acc[r][v]);
  }
};

// ---------------- Q6_K (GGUF layout) ----------------
// Block j (32 elements) of half h: low 4 bits from ql[64 h + 32 (j & 1) + l] (nibble j / 2), the
// high 2 from bits 2 j of qh[32 h + l]. Lanes 0-3 of block b hold group 2 b, lanes 4-7 group
// 2 b + 1: vpmaddwd with (scale 2b x 8 | scale 2b+1 x 8) applies the group scales exactly.

struct Q6K {
  static constexpr int kRowsAlone = 2;  // 4 rows spill registers
  template <int R, int V>
  static void run(const uint8_t* const* rows, const int64_t* idx, const uint8_t* xq, size_t xq_stride, float* y,
                  int64_t y_stride, int64_t n) {
    const int64_t ns = n / kN;
    Act x[V];
    for (int v = 0; v < V; ++v) x[v] = act_at(xq + v * xq_stride, n);
    __m256 acc[R][V];
    for (int r = 0; r < R; ++r)
      for (int v = 0; v < V; ++v) acc[r][v] = _mm256_setzero_ps();
    const __m256i mask = _mm256_set1_epi8(0x0F), high_mask = _mm256_set1_epi8(0x30);
    const __m256i c32 = _mm256_set1_epi8(32);
    alignas(32) float sc[R][V][8];
    for (int64_t s = 0; s < ns; ++s) {
      __m256 dx[V];
      for (int v = 0; v < V; ++v) dx[v] = _mm256_loadu_ps(reinterpret_cast<const float*>(x[v].d + 32 * s));
      for (int r = 0; r < R; ++r) {
        const uint8_t* blk = rows[r] + sizeof(BlockQ6_K) * s;
        for (int k = 0; k < 4; ++k) prefetch(blk + kPrefetchBytes + 64 * k);
        const __m256 d = _mm256_set1_ps(load_half(blk + offsetof(BlockQ6_K, d)));
        for (int v = 0; v < V; ++v) _mm256_store_ps(sc[r][v], _mm256_mul_ps(d, dx[v]));
      }
      alignas(32) int16_t scales[R][16];
      for (int r = 0; r < R; ++r)
        _mm256_store_si256(reinterpret_cast<__m256i*>(scales[r]),
                           _mm256_cvtepi8_epi16(load128(rows[r] + sizeof(BlockQ6_K) * s + offsetof(BlockQ6_K, scales))));
      for (int h = 0; h < 2; ++h) {
#pragma GCC unroll 4
        for (int j = 0; j < 4; ++j) {
          const int b = 4 * h + j;
          // Selects s16 scale 2 j into every s16 of the low lane, 2 j + 1 into the high lane.
          const __m256i sel = _mm256_setr_m128i(_mm_set1_epi16(static_cast<short>((4 * j + 1) << 8 | 4 * j)),
                                                _mm_set1_epi16(static_cast<short>((4 * j + 3) << 8 | (4 * j + 2))));
          __m256i q[R], gs[R];
          for (int r = 0; r < R; ++r) {
            const uint8_t* blk = rows[r] + sizeof(BlockQ6_K) * s;
            const __m256i l = load256(blk + offsetof(BlockQ6_K, ql) + 64 * h + 32 * (j % 2));
            const __m256i qh = load256(blk + offsetof(BlockQ6_K, qh) + 32 * h);
            const __m256i low = _mm256_and_si256(j < 2 ? l : _mm256_srli_epi16(l, 4), mask);
            __m256i high;
            switch (j) {
              case 0: high = _mm256_slli_epi16(qh, 4); break;
              case 1: high = _mm256_slli_epi16(qh, 2); break;
              case 2: high = qh; break;
              default: high = _mm256_srli_epi16(qh, 2); break;
            }
            q[r] = _mm256_or_si256(low, _mm256_and_si256(high, high_mask));
            gs[r] = _mm256_shuffle_epi8(_mm256_broadcastsi128_si256(load128(scales[r] + 8 * h)), sel);
          }
          for (int v = 0; v < V; ++v) {
            const __m256i xv = load256(x[v].q + kN * s + kB * b);
            const __m256i off = _mm256_maddubs_epi16(c32, xv);
            for (int r = 0; r < R; ++r) {
              const __m256i s16 = _mm256_sub_epi16(_mm256_maddubs_epi16(q[r], xv), off);
              acc[r][v] = fma_block(sc[r][v][b], _mm256_madd_epi16(s16, gs[r]), acc[r][v]);
            }
          }
        }
      }
    }
    for (int r = 0; r < R; ++r)
      for (int v = 0; v < V; ++v) y[v * y_stride + idx[r]] = hsum(acc[r][v]);
  }
};

// ---------------- the Int8DotMultiFn driver ----------------
// Tiles take rows i, i + q, i + 2q, ... (q = n_rows / rows per tile): a few long sequential
// streams through memory, which the hardware prefetchers follow, rather than a new short
// stream per tile. One vector: kRowsAlone rows per tile. Several: 2 rows against each pair of
// vectors (and the odd last one) while those rows are in cache. Remaining rows one by one.

template <class K, int R>
void rows_against_vectors(const uint8_t* const* rows, const int64_t* idx, const uint8_t* xq, size_t xq_stride,
                          int64_t n_x, float* y, int64_t y_stride, int64_t n) {
  int64_t j = 0;
  for (; j + 2 <= n_x; j += 2) K::template run<R, 2>(rows, idx, xq + j * xq_stride, xq_stride, y + j * y_stride, y_stride, n);
  if (j < n_x) K::template run<R, 1>(rows, idx, xq + j * xq_stride, xq_stride, y + j * y_stride, y_stride, n);
}

template <class K>
void int8_dot_multi(const void* w, size_t row_stride, int64_t n_rows, const void* xq, size_t xq_stride, int64_t n_x,
                    float* y, int64_t y_stride, int64_t n) {
  const auto* base = static_cast<const uint8_t*>(w);
  const auto* acts = static_cast<const uint8_t*>(xq);
  constexpr int S = K::kRowsAlone;
  int64_t r = 0;
  if (n_x == 1) {
    const int64_t q = n_rows / S;
    for (int64_t i = 0; i < q; ++i) {
      int64_t idx[S];
      const uint8_t* rows[S];
      for (int k = 0; k < S; ++k) {
        idx[k] = i + k * q;
        rows[k] = base + idx[k] * row_stride;
      }
      K::template run<S, 1>(rows, idx, acts, xq_stride, y, y_stride, n);
    }
    r = S * q;
  } else {
    const int64_t half = n_rows / 2;
    for (int64_t i = 0; i < half; ++i) {
      const int64_t idx[2] = {i, i + half};
      const uint8_t* rows[2] = {base + idx[0] * row_stride, base + idx[1] * row_stride};
      rows_against_vectors<K, 2>(rows, idx, acts, xq_stride, n_x, y, y_stride, n);
    }
    r = 2 * half;
  }
  for (; r < n_rows; ++r) {
    const uint8_t* rows[1] = {base + r * row_stride};
    rows_against_vectors<K, 1>(rows, &r, acts, xq_stride, n_x, y, y_stride, n);
  }
}

void set_int8(KernelTable& t, DType type, Int8DotMultiFn dot) {
  WeightKernels& k = t.weights[static_cast<uint32_t>(type)];
  k.int8_dot_multi = dot;
  k.int8_isa = Isa::kAvx2;
}

}  // namespace

void register_int8_avx2(KernelTable& t) {
  t.quantize_act = quantize_act_avx2;
  t.quantize_act_isa = Isa::kAvx2;
  set_int8(t, DType::kQ8_0, int8_dot_multi<Q8_0I>);
  set_int8(t, DType::kQ4_0, int8_dot_multi<Q4_0I>);
  set_int8(t, DType::kQ4_K, int8_dot_multi<Q4K>);
  set_int8(t, DType::kQ6_K, int8_dot_multi<Q6K>);
}

}  // namespace coreinfer::kernels
