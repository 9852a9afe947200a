// AVX2 kernels of the 8-bit activation path (kernels/quant/int8_path.h): the Q8A quantizer and
// the integer dot products of Q8_0I, Q4_0I, Q4_K and Q6_K.
//
// Integer part: vpmaddubsw (u8 x s8 pairs -> s16) then vpmaddwd (s16 pairs -> s32 per 4
// elements), never saturating:
//   Q8_0I: |w| (<= 128) x (x with w's sign) (<= 127): pair sums <= 32512.
//   Q4_0I, Q4_K: nibble (<= 15) x x: <= 3810. Q6_K: 6-bit q (<= 63) x x: <= 16002.
// The offsets of Q4_0I (-8) and Q6_K (-32) are subtracted in the s16 pair sums: maddubs(q, x) -
// maddubs(c, x) = (q0 - c) x0 + (q1 - c) x1 (|.| <= 24130), one vpmaddubsw per activation block
// shared by all rows; so every s32 lane is the exact integer sum over its 4 elements of
// (q - c) x, the reference's isum - c * s split by lanes without cancellation between lanes.
// Q6_K's int8 group scales enter in the vpmaddwd (lanes 0-3 one group, 4-7 the next).
// Per block the 8 lanes are converted (exactly) and FMAd with the block's fp32 scale
// (d_w * d_x, Q4_K: d * sc * d_x; Q6_K: d * d_x) into one accumulator per (row, vector);
// Q4_K's min term is one fnmadd per super-block with the 8 sub-blocks in the lanes.
// Tiles of up to 4 rows x 2 vectors share the weight decoding and the activation loads; each
// (row, vector) pair runs the same operations in the same order whatever the tile, so results
// do not depend on n_rows / n_x.
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
constexpr int kPrefetchBytes = 768;  // how far ahead of the weight stream to prefetch

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
// vcvtps2dq (round-half-even, out-of-range and NaN -> INT_MIN as lrint's LONG_MIN), saturating
// packs then max(q, -127): the reference's clamp to [-127, 127].
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

// ---------------- Q8_0I ----------------
// Row: fp16 d[nb], then int8 q[n]. Scales (d_w * d_x) are computed 8 blocks at a time.

struct Q8_0I {
  template <int R, int V>
  static void run(const uint8_t* w, size_t row_stride, const uint8_t* xq, size_t xq_stride, float* y,
                  int64_t y_stride, int64_t n) {
    const int64_t nb = n / kB;
    const uint8_t* rows[R];
    Act x[V];
    for (int r = 0; r < R; ++r) rows[r] = w + r * row_stride;
    for (int v = 0; v < V; ++v) x[v] = act_at(xq + v * xq_stride, n);
    __m256 acc[R][V];
    for (int r = 0; r < R; ++r)
      for (int v = 0; v < V; ++v) acc[r][v] = _mm256_setzero_ps();
    alignas(32) float sc[R][V][8];
    for (int64_t b0 = 0; b0 < nb; b0 += 8) {
      const int count = static_cast<int>(std::min<int64_t>(8, nb - b0));
      if (count == 8) {
        __m256 dx[V];
        for (int v = 0; v < V; ++v) dx[v] = _mm256_loadu_ps(reinterpret_cast<const float*>(x[v].d + 4 * b0));
        for (int r = 0; r < R; ++r) {
          const __m256 dw = _mm256_cvtph_ps(load128(rows[r] + 2 * b0));
          for (int v = 0; v < V; ++v) _mm256_store_ps(sc[r][v], _mm256_mul_ps(dw, dx[v]));
        }
      } else {
        for (int i = 0; i < count; ++i)
          for (int r = 0; r < R; ++r)
            for (int v = 0; v < V; ++v) {
              float dx;
              std::memcpy(&dx, x[v].d + 4 * (b0 + i), 4);
              sc[r][v][i] = load_half(rows[r] + 2 * (b0 + i)) * dx;
            }
      }
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
      for (int v = 0; v < V; ++v) y[v * y_stride + r] = hsum(acc[r][v]);
  }
};

// ---------------- Q4_0I ----------------
// Row: fp16 d[nb], then 32 bytes per pair of blocks (low nibbles block 2p, high 2p + 1), an odd
// last block in 16 bytes GGUF order.

struct Q4_0I {
  template <int R, int V>
  static void run(const uint8_t* w, size_t row_stride, const uint8_t* xq, size_t xq_stride, float* y,
                  int64_t y_stride, int64_t n) {
    const int64_t nb = n / kB;
    const uint8_t* rows[R];
    Act x[V];
    for (int r = 0; r < R; ++r) rows[r] = w + r * row_stride;
    for (int v = 0; v < V; ++v) x[v] = act_at(xq + v * xq_stride, n);
    __m256 acc[R][V];
    for (int r = 0; r < R; ++r)
      for (int v = 0; v < V; ++v) acc[r][v] = _mm256_setzero_ps();
    const __m256i mask = _mm256_set1_epi8(0x0F), eight = _mm256_set1_epi8(8);
    alignas(32) float sc[R][V][8];
    for (int64_t b0 = 0; b0 < nb; b0 += 8) {
      const int count = static_cast<int>(std::min<int64_t>(8, nb - b0));
      if (count == 8) {
        __m256 dx[V];
        for (int v = 0; v < V; ++v) dx[v] = _mm256_loadu_ps(reinterpret_cast<const float*>(x[v].d + 4 * b0));
        for (int r = 0; r < R; ++r) {
          const __m256 dw = _mm256_cvtph_ps(load128(rows[r] + 2 * b0));
          for (int v = 0; v < V; ++v) _mm256_store_ps(sc[r][v], _mm256_mul_ps(dw, dx[v]));
        }
      } else {
        for (int i = 0; i < count; ++i)
          for (int r = 0; r < R; ++r)
            for (int v = 0; v < V; ++v) {
              float dx;
              std::memcpy(&dx, x[v].d + 4 * (b0 + i), 4);
              sc[r][v][i] = load_half(rows[r] + 2 * (b0 + i)) * dx;
            }
      }
      for (int i = 0; i < count; i += 2) {
        const int64_t b = b0 + i;
        const bool pair = b + 1 < nb;
        __m256i lo[R], hi[R];
        for (int r = 0; r < R; ++r) {
          const uint8_t* qw = rows[r] + 2 * nb + 16 * b;
          if (pair) {
            prefetch(qw + kPrefetchBytes);
            const __m256i v = load256(qw);
            lo[r] = _mm256_and_si256(v, mask);
            hi[r] = _mm256_and_si256(_mm256_srli_epi16(v, 4), mask);
          } else {  // the odd last block: 16 bytes, elements l and 16 + l in byte l
            const __m128i v = load128(qw);
            lo[r] = _mm256_set_m128i(_mm_and_si128(_mm_srli_epi16(v, 4), _mm256_castsi256_si128(mask)),
                                     _mm_and_si128(v, _mm256_castsi256_si128(mask)));
          }
        }
        for (int h = 0; h < (pair ? 2 : 1); ++h) {
          for (int v = 0; v < V; ++v) {
            const __m256i xv = load256(x[v].q + kB * (b + h));
            const __m256i off = _mm256_maddubs_epi16(eight, xv);
            for (int r = 0; r < R; ++r) {
              const __m256i s16 = _mm256_sub_epi16(_mm256_maddubs_epi16(h == 0 ? lo[r] : hi[r], xv), off);
              acc[r][v] = fma_block(sc[r][v][i + h], pairs_to_i32(s16), acc[r][v]);
            }
          }
        }
      }
    }
    for (int r = 0; r < R; ++r)
      for (int v = 0; v < V; ++v) y[v * y_stride + r] = hsum(acc[r][v]);
  }
};

// ---------------- Q4_K (GGUF layout) ----------------

// The 8 sub-block scales (bytes 0-7) and mins (bytes 8-15) of q4k_scale_min from the block's
// first 16 bytes (d, dmin, the 12 scale bytes = words w0, a, b, c):
// (a, c, b, c >> 4) & (3F, 0F, 3F, 0F) | ((a, a, b, b) >> 2) & (0, 30, 0, 30).
[[gnu::always_inline]] inline __m128i q4k_scale_bytes(const uint8_t* block) {
  const __m128i words = load128(block);
  const __m128i low = _mm_srlv_epi32(_mm_shuffle_epi32(words, _MM_SHUFFLE(3, 2, 3, 1)), _mm_setr_epi32(0, 0, 0, 4));
  const __m128i high = _mm_srli_epi32(_mm_shuffle_epi32(words, _MM_SHUFFLE(2, 2, 1, 1)), 2);
  return _mm_or_si128(_mm_and_si128(low, _mm_setr_epi32(0x3F3F3F3F, 0x0F0F0F0F, 0x3F3F3F3F, 0x0F0F0F0F)),
                      _mm_and_si128(high, _mm_setr_epi32(0, 0x30303030, 0, 0x30303030)));
}

struct Q4K {
  template <int R, int V>
  static void run(const uint8_t* w, size_t row_stride, const uint8_t* xq, size_t xq_stride, float* y,
                  int64_t y_stride, int64_t n) {
    const int64_t ns = n / kN;
    const uint8_t* rows[R];
    Act x[V];
    for (int r = 0; r < R; ++r) rows[r] = w + r * row_stride;
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
        const __m128i bytes = q4k_scale_bytes(blk);
        const __m256 dsc = _mm256_mul_ps(_mm256_set1_ps(load_half(blk)), _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(bytes)));
        const __m256 dmn = _mm256_mul_ps(_mm256_set1_ps(load_half(blk + 2)),
                                         _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(_mm_unpackhi_epi64(bytes, bytes))));
        for (int v = 0; v < V; ++v) {
          _mm256_store_ps(sc[r][v], _mm256_mul_ps(dsc, dx[v]));
          acc[r][v] = _mm256_fnmadd_ps(_mm256_mul_ps(dmn, dx[v]), sx[v], acc[r][v]);
        }
      }
      for (int c = 0; c < 4; ++c) {
        __m256i lo[R], hi[R];
        for (int r = 0; r < R; ++r) {
          const __m256i v = load256(rows[r] + sizeof(BlockQ4_K) * s + offsetof(BlockQ4_K, qs) + 32 * c);
          lo[r] = _mm256_and_si256(v, mask);
          hi[r] = _mm256_and_si256(_mm256_srli_epi16(v, 4), mask);
        }
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
      for (int v = 0; v < V; ++v) y[v * y_stride + r] = hsum(acc[r][v]);
  }
};

// ---------------- Q6_K (GGUF layout) ----------------
// Block j (32 elements) of half h: low 4 bits from ql[64 h + 32 (j & 1) + l] (nibble j / 2), the
// high 2 from bits 2 j of qh[32 h + l]. Lanes 0-3 of block b hold group 2 b, lanes 4-7 group
// 2 b + 1: vpmaddwd with (scale 2b x 8 | scale 2b+1 x 8) applies the group scales exactly.

struct Q6K {
  template <int R, int V>
  static void run(const uint8_t* w, size_t row_stride, const uint8_t* xq, size_t xq_stride, float* y,
                  int64_t y_stride, int64_t n) {
    const int64_t ns = n / kN;
    const uint8_t* rows[R];
    Act x[V];
    for (int r = 0; r < R; ++r) rows[r] = w + r * row_stride;
    for (int v = 0; v < V; ++v) x[v] = act_at(xq + v * xq_stride, n);
    __m256 acc[R][V];
    for (int r = 0; r < R; ++r)
      for (int v = 0; v < V; ++v) acc[r][v] = _mm256_setzero_ps();
    const __m256i mask = _mm256_set1_epi8(0x0F), high_mask = _mm256_set1_epi8(0x30);
    const __m256i c32 = _mm256_set1_epi8(32);
    // Byte selector of block 0's scales (byte 0 in the low 128-bit lane, byte 1 in the high one);
    // block b adds 2 b.
    const __m256i sel0 = _mm256_setr_m128i(_mm_setzero_si128(), _mm_set1_epi8(1));
    alignas(32) float sc[R][V][8];
    for (int64_t s = 0; s < ns; ++s) {
      __m256 dx[V];
      for (int v = 0; v < V; ++v) dx[v] = _mm256_loadu_ps(reinterpret_cast<const float*>(x[v].d + 32 * s));
      __m256i scales[R];
      for (int r = 0; r < R; ++r) {
        const uint8_t* blk = rows[r] + sizeof(BlockQ6_K) * s;
        prefetch(blk + kPrefetchBytes);
        prefetch(blk + kPrefetchBytes + 64);
        prefetch(blk + kPrefetchBytes + 128);
        prefetch(blk + kPrefetchBytes + 192);
        scales[r] = _mm256_broadcastsi128_si256(load128(blk + offsetof(BlockQ6_K, scales)));
        const __m256 d = _mm256_set1_ps(load_half(blk + offsetof(BlockQ6_K, d)));
        for (int v = 0; v < V; ++v) _mm256_store_ps(sc[r][v], _mm256_mul_ps(d, dx[v]));
      }
      for (int h = 0; h < 2; ++h) {
        __m256i l0[R], l1[R], qh[R];
        for (int r = 0; r < R; ++r) {
          const uint8_t* blk = rows[r] + sizeof(BlockQ6_K) * s;
          l0[r] = load256(blk + offsetof(BlockQ6_K, ql) + 64 * h);
          l1[r] = load256(blk + offsetof(BlockQ6_K, ql) + 64 * h + 32);
          qh[r] = load256(blk + offsetof(BlockQ6_K, qh) + 32 * h);
        }
        for (int j = 0; j < 4; ++j) {
          const int b = 4 * h + j;
          __m256i q[R], gs[R];
          for (int r = 0; r < R; ++r) {
            const __m256i l = j % 2 == 0 ? l0[r] : l1[r];
            const __m256i low = _mm256_and_si256(j < 2 ? l : _mm256_srli_epi16(l, 4), mask);
            __m256i high;
            switch (j) {
              case 0: high = _mm256_slli_epi16(qh[r], 4); break;
              case 1: high = _mm256_slli_epi16(qh[r], 2); break;
              case 2: high = qh[r]; break;
              default: high = _mm256_srli_epi16(qh[r], 2); break;
            }
            q[r] = _mm256_or_si256(low, _mm256_and_si256(high, high_mask));
            // Scale bytes 2b, 2b+1 replicated into s16 lanes, then sign-extended.
            const __m256i sel = _mm256_add_epi8(sel0, _mm256_set1_epi8(static_cast<char>(2 * b)));
            gs[r] = _mm256_srai_epi16(_mm256_shuffle_epi8(scales[r], sel), 8);
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
      for (int v = 0; v < V; ++v) y[v * y_stride + r] = hsum(acc[r][v]);
  }
};

// ---------------- the Int8DotMultiFn driver ----------------
// Rows in groups of 4; against each pair of vectors as 2 x 2 tiles, against an odd last vector
// as one 4-row tile.

template <class K>
void int8_dot_multi(const void* w, size_t row_stride, int64_t n_rows, const void* xq, size_t xq_stride, int64_t n_x,
                    float* y, int64_t y_stride, int64_t n) {
  const auto* wb = static_cast<const uint8_t*>(w);
  const auto* xb = static_cast<const uint8_t*>(xq);
  for (int64_t r0 = 0; r0 < n_rows; r0 += 4) {
    const int rows = static_cast<int>(std::min<int64_t>(4, n_rows - r0));
    const uint8_t* wr = wb + r0 * row_stride;
    int64_t j = 0;
    for (; j + 2 <= n_x; j += 2) {
      const uint8_t* xj = xb + j * xq_stride;
      float* yj = y + j * y_stride + r0;
      int r = 0;
      for (; r + 2 <= rows; r += 2) K::template run<2, 2>(wr + r * row_stride, row_stride, xj, xq_stride, yj + r, y_stride, n);
      if (r < rows) K::template run<1, 2>(wr + r * row_stride, row_stride, xj, xq_stride, yj + r, y_stride, n);
    }
    if (j < n_x) {
      const uint8_t* xj = xb + j * xq_stride;
      float* yj = y + j * y_stride + r0;
      if (rows == 4) {
        K::template run<4, 1>(wr, row_stride, xj, xq_stride, yj, y_stride, n);
      } else {
        int r = 0;
        if (rows >= 2) {
          K::template run<2, 1>(wr, row_stride, xj, xq_stride, yj, y_stride, n);
          r = 2;
        }
        if (r < rows) K::template run<1, 1>(wr + r * row_stride, row_stride, xj, xq_stride, yj + r, y_stride, n);
      }
    }
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
