// AVX-512 VNNI kernels of the 8-bit activation path (kernels/quant/int8_path.h): the Q8A
// quantizer and the integer GEMV of Q8_0I, Q4_0I, Q4_K and Q6_K.
//
// Every 64 weights become 64 unsigned bytes in element order and one vpdpbusd with 64 bytes of
// activations gives 16 int32 lanes, each the sum of 4 products:
//   Q4_0I / Q4_K: 64 bytes hold two 64-element groups (32 bytes each, low nibbles first): masked
//                 they give elements 0-31 and 64-95, shifted and masked 32-63 and 96-127, against
//                 activations loaded as two 32-byte halves to match. A lone 32-byte group (Q4_0I
//                 with an odd number of block pairs) is broadcast and shifted by 0 / 4 per half.
//   Q8_0I:        the signed quants xor 0x80 (q + 128, unsigned).
//   Q6_K:         64 bytes of ql masked (or shifted) plus the two qh bits moved to bits 4-5.
// The weights' offsets (-8, -128, -32) are folded into the accumulator vpdpbusd starts from:
// -c * (sum of the 4 activations of the lane), from one vpdpbusd of the activations with the
// constant c (shared by all rows), so each lane holds the exact integer sum of (q - c) * x_q.
// Lanes are converted once and FMA'd into one fp32 accumulator per (row, vector) with a
// per-lane scale (d_w * d_x of the lane's block, or group for Q6_K) that vpermps picks from 16
// precomputed products; Q4_K's min term is one more FMA per super-block (sx in lanes 8-15).
// Each (row, vector) pair runs the same operations in the same order whatever the batch, and
// one final reduction, so a result never depends on the other rows or vectors of the call.
// Rows are prefetched kPrefetchBytes ahead (simd_avx512.h).
#include <algorithm>
#include <cstddef>
#include <cstring>

#include "kernels/kernel_table.h"
#include "kernels/quant/blocks.h"
#include "kernels/quant/int8_path.h"
#include "kernels/x86/simd_avx512.h"

namespace coreinfer::kernels {
namespace {

using namespace avx512;

constexpr int kB = kQ8ABlock;
constexpr int kN = kSuperBlockSize;
constexpr int kQ4KBytes = sizeof(BlockQ4_K);
constexpr int kQ6KBytes = sizeof(BlockQ6_K);

// ---------------- quantize_act ----------------
// Two blocks per step: |x| maxima reduced side by side (block 0 in lanes 0-7, block 1 in 8-15),
// d and 1 / d as vectors (the same IEEE divisions as the reference), the 64 int32 quants packed
// to bytes with saturation (vpackssdw / vpacksswb, then one dword permute for the order) and
// clamped to -127 (NaN gives INT_MIN, -127 in the reference too); the group sums by vpsadbw on
// q + 128.

[[gnu::always_inline]] inline __m512 abs_max(__m512 x0, __m512 x1) {
  const __m512 abs_mask = _mm512_castsi512_ps(_mm512_set1_epi32(0x7FFFFFFF));
  // max(|x|, acc) keeps acc when |x| is NaN, as std::fmax does.
  const __m512 a = _mm512_max_ps(_mm512_and_ps(x0, abs_mask), _mm512_setzero_ps());
  return _mm512_max_ps(_mm512_and_ps(x1, abs_mask), a);
}

void quantize_one_block(const float* x, uint8_t* q, uint8_t* d_out, uint8_t* s_out) {
  const __m512 x0 = _mm512_loadu_ps(x), x1 = _mm512_loadu_ps(x + 16);
  const float amax = _mm512_reduce_max_ps(abs_max(x0, x1));
  const float d = amax / 127.0f;
  const float id = d != 0.0f ? 1.0f / d : 0.0f;
  const __m512 vid = _mm512_set1_ps(id);
  const __m512i lo = _mm512_set1_epi32(-127), hi = _mm512_set1_epi32(127);
  const __m512i q0 = _mm512_max_epi32(_mm512_min_epi32(_mm512_cvtps_epi32(_mm512_mul_ps(x0, vid)), hi), lo);
  const __m512i q1 = _mm512_max_epi32(_mm512_min_epi32(_mm512_cvtps_epi32(_mm512_mul_ps(x1, vid)), hi), lo);
  _mm_storeu_si128(reinterpret_cast<__m128i*>(q), _mm512_cvtepi32_epi8(q0));
  _mm_storeu_si128(reinterpret_cast<__m128i*>(q + 16), _mm512_cvtepi32_epi8(q1));
  std::memcpy(d_out, &d, sizeof d);
  const int16_t s[2] = {static_cast<int16_t>(_mm512_reduce_add_epi32(q0)),
                        static_cast<int16_t>(_mm512_reduce_add_epi32(q1))};
  std::memcpy(s_out, s, sizeof s);
}

void quantize_act_vnni(const float* x, void* xq, int64_t n) {
  auto* p = static_cast<uint8_t*>(xq);
  const int64_t nb = n / kB;
  uint8_t* const dp = p + n;
  uint8_t* const sp = p + n + n / 8;
  int64_t b = 0;
  for (; b + 2 <= nb; b += 2) {
    const float* xb = x + kB * b;
    const __m512 x0 = _mm512_loadu_ps(xb), x1 = _mm512_loadu_ps(xb + 16), x2 = _mm512_loadu_ps(xb + 32),
                 x3 = _mm512_loadu_ps(xb + 48);
    const __m512 a0 = abs_max(x0, x1), a1 = abs_max(x2, x3);
    __m512 m = _mm512_max_ps(_mm512_shuffle_f32x4(a0, a1, 0x44), _mm512_shuffle_f32x4(a0, a1, 0xEE));
    m = _mm512_max_ps(m, _mm512_shuffle_f32x4(m, m, _MM_SHUFFLE(2, 3, 0, 1)));
    m = _mm512_max_ps(m, _mm512_permute_ps(m, _MM_SHUFFLE(1, 0, 3, 2)));
    m = _mm512_max_ps(m, _mm512_permute_ps(m, _MM_SHUFFLE(2, 3, 0, 1)));  // lanes 0-7: block b, 8-15: b + 1
    const __m512 d = _mm512_div_ps(m, _mm512_set1_ps(127.0f));
    const __m512 id = _mm512_maskz_div_ps(_mm512_cmp_ps_mask(d, _mm512_setzero_ps(), _CMP_NEQ_UQ), _mm512_set1_ps(1.0f), d);
    const __m512 id0 = _mm512_permutexvar_ps(_mm512_set1_epi32(0), id), id1 = _mm512_permutexvar_ps(_mm512_set1_epi32(8), id);
    const __m512i q0 = _mm512_cvtps_epi32(_mm512_mul_ps(x0, id0)), q1 = _mm512_cvtps_epi32(_mm512_mul_ps(x1, id0));
    const __m512i q2 = _mm512_cvtps_epi32(_mm512_mul_ps(x2, id1)), q3 = _mm512_cvtps_epi32(_mm512_mul_ps(x3, id1));
    // 128-bit lane i of the packed bytes holds q0..q3 [4i, 4i + 4) in turn: a 4 x 4 dword transpose.
    const __m512i packed = _mm512_packs_epi16(_mm512_packs_epi32(q0, q1), _mm512_packs_epi32(q2, q3));
    const __m512i qv = _mm512_max_epi8(
        _mm512_permutexvar_epi32(_mm512_setr_epi32(0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15), packed),
        _mm512_set1_epi8(-127));
    _mm512_storeu_si512(p + kB * b, qv);
    const __m512 d01 = _mm512_permutexvar_ps(_mm512_setr_epi32(0, 8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0), d);
    _mm_storel_epi64(reinterpret_cast<__m128i*>(dp + 4 * b), _mm_castps_si128(_mm512_castps512_ps128(d01)));
    // Sums of 8 (q + 128) per qword, pairs added, the low word of qwords 0, 2, 4, 6, minus 16 * 128.
    const __m512i sad = _mm512_sad_epu8(_mm512_xor_si512(qv, _mm512_set1_epi8(static_cast<char>(0x80))), _mm512_setzero_si512());
    const __m512i pairs = _mm512_add_epi64(sad, _mm512_bsrli_epi128(sad, 8));
    const __m512i words = _mm512_permutexvar_epi16(
        _mm512_setr_epi32(0x00080000, 0x00180010, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0), pairs);
    _mm_storel_epi64(reinterpret_cast<__m128i*>(sp + 4 * b),
                     _mm_sub_epi16(_mm512_castsi512_si128(words), _mm_set1_epi16(16 * 128)));
  }
  if (b < nb) quantize_one_block(x + kB * b, p + kB * b, dp + 4 * b, sp + 4 * b);
}

// ---------------- shared pieces ----------------

[[gnu::always_inline]] inline __m512i load64(const uint8_t* p) { return _mm512_loadu_si512(p); }
[[gnu::always_inline]] inline __m256i load32(const uint8_t* p) {
  return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p));
}
// 64 4-bit quants in element order from 32 bytes (low nibbles first).
[[gnu::always_inline]] inline __m512i nibbles64(const uint8_t* p) {
  const __m512i v = _mm512_broadcast_i64x4(load32(p));
  return _mm512_and_si512(_mm512_srlv_epi64(v, _mm512_setr_epi64(0, 0, 0, 0, 4, 4, 4, 4)), _mm512_set1_epi8(0x0F));
}
// Quants of a 64-byte Q4 group (pairs of 32 bytes, low nibbles first): the low nibbles
// (elements 0-31 and 64-95) and the high ones (32-63, 96-127), and the activations to match.
[[gnu::always_inline]] inline __m512i low_nibbles(__m512i v) { return _mm512_and_si512(v, _mm512_set1_epi8(0x0F)); }
[[gnu::always_inline]] inline __m512i high_nibbles(__m512i v) {
  return _mm512_and_si512(_mm512_srli_epi16(v, 4), _mm512_set1_epi8(0x0F));
}
[[gnu::always_inline]] inline __m512i two_halves(const uint8_t* lo, const uint8_t* hi) {
  return _mm512_inserti64x4(_mm512_castsi256_si512(load32(lo)), load32(hi), 1);
}
// -c * (sum of each lane's 4 activations): the start of a lane whose weights are offset by c.
[[gnu::always_inline]] inline __m512i neg_offset(__m512i xv, __m512i c) {
  return _mm512_sub_epi32(_mm512_setzero_si512(), _mm512_dpbusd_epi32(_mm512_setzero_si512(), c, xv));
}
[[gnu::always_inline]] inline __m256i neg_offset256(__m256i xv, __m256i c) {
  return _mm256_sub_epi32(_mm256_setzero_si256(), _mm256_dpbusd_epi32(_mm256_setzero_si256(), c, xv));
}
// acc += float(lanes) * scale
[[gnu::always_inline]] inline __m512 fma_lanes(__m512i lanes, __m512 scale, __m512 acc) {
  return _mm512_fmadd_ps(_mm512_cvtepi32_ps(lanes), scale, acc);
}
// count (<= 16) fp16 scales at p to fp32 (the rest 0).
[[gnu::always_inline]] inline __m512 load_halves(const uint8_t* p, int count) {
  const __m256i h = count == 16 ? load32(p) : _mm256_maskz_loadu_epi16(static_cast<__mmask16>((1u << count) - 1u), p);
  return _mm512_cvtph_ps(h);
}
[[gnu::always_inline]] inline __m512 load_floats(const uint8_t* p, int count) {
  return count == 16 ? _mm512_loadu_ps(p) : _mm512_maskz_loadu_ps(static_cast<__mmask16>((1u << count) - 1u), p);
}
[[gnu::always_inline]] inline float half_at(const uint8_t* p) {
  uint16_t h;
  std::memcpy(&h, p, 2);
  return half_to_float(h);
}
[[gnu::always_inline]] inline float float_at(const uint8_t* p) {
  float f;
  std::memcpy(&f, p, 4);
  return f;
}

// ---------------- Q8_0I and Q4_0I ----------------
// Row: nb fp16 scales, then the quants. Blocks go by pairs (64 elements, one vpdpbusd; Q4_0I
// two pairs per 64-byte load); the scale products of 16 blocks at a time are one vector,
// lanes 0-7 / 8-15 of pair p taking products 2p / 2p + 1 (2p / 2p + 2 and 2p + 1 / 2p + 3 for
// the low / high nibbles of two pairs). An odd last block goes through 256-bit vectors.

struct Q8_0IQuants {
  static constexpr int kOffset = 128;
  static constexpr int kPairBytes = 64;
  static constexpr bool kQuads = false;
  static __m512i pair(const uint8_t* q) { return _mm512_xor_si512(load64(q), _mm512_set1_epi8(static_cast<char>(0x80))); }
  static __m256i last(const uint8_t* q) { return _mm256_xor_si256(load32(q), _mm256_set1_epi8(static_cast<char>(0x80))); }
};

struct Q4_0IQuants {
  static constexpr int kOffset = 8;
  static constexpr int kPairBytes = 32;
  static constexpr bool kQuads = true;  // 64-byte loads, two pairs at once
  static __m512i pair(const uint8_t* q) { return nibbles64(q); }
  static __m256i last(const uint8_t* q) {  // GGUF order: elements 0-15 low nibbles, 16-31 high
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(q)), m = _mm_set1_epi8(0x0F);
    return _mm256_set_m128i(_mm_and_si128(_mm_srli_epi16(v, 4), m), _mm_and_si128(v, m));
  }
};

// ---------------- int8_dequant_row of the repacked layouts (d * float(q - c), as the reference) ----------------

void dequant_q8_0i_vnni(const void* src, float* dst, int64_t n) {
  const auto* p = static_cast<const uint8_t*>(src);
  const int64_t nb = n / kB;
  for (int64_t b = 0; b < nb; ++b) {
    const __m512 d = _mm512_set1_ps(half_at(p + 2 * b));
    const auto* q = p + 2 * nb + kB * b;
    _mm512_storeu_ps(dst + kB * b, _mm512_mul_ps(d, to_float(load_i8x16(reinterpret_cast<const int8_t*>(q)))));
    _mm512_storeu_ps(dst + kB * b + 16, _mm512_mul_ps(d, to_float(load_i8x16(reinterpret_cast<const int8_t*>(q + 16)))));
  }
}

void dequant_q4_0i_vnni(const void* src, float* dst, int64_t n) {
  const auto* p = static_cast<const uint8_t*>(src);
  const int64_t nb = n / kB, n_pairs = nb / 2;
  const __m512i eight = _mm512_set1_epi32(8);
  const auto put16 = [&](__m128i q, float d, float* out) {
    _mm512_storeu_ps(out, _mm512_mul_ps(_mm512_set1_ps(d), to_float(_mm512_sub_epi32(_mm512_cvtepu8_epi32(q), eight))));
  };
  for (int64_t pr = 0; pr < n_pairs; ++pr) {
    const __m512i v = nibbles64(p + 2 * nb + 32 * pr);
    const float d0 = half_at(p + 4 * pr), d1 = half_at(p + 4 * pr + 2);
    put16(_mm512_castsi512_si128(v), d0, dst + 64 * pr);
    put16(_mm512_extracti32x4_epi32(v, 1), d0, dst + 64 * pr + 16);
    put16(_mm512_extracti32x4_epi32(v, 2), d1, dst + 64 * pr + 32);
    put16(_mm512_extracti32x4_epi32(v, 3), d1, dst + 64 * pr + 48);
  }
  if (nb % 2 != 0) {
    const __m256i v = Q4_0IQuants::last(p + 2 * nb + 32 * n_pairs);
    const float d = half_at(p + 2 * (nb - 1));
    put16(_mm256_castsi256_si128(v), d, dst + kB * (nb - 1));
    put16(_mm256_extracti128_si256(v, 1), d, dst + kB * (nb - 1) + 16);
  }
}

template <class Q, int R, int NX>
void legacy_kernel(const uint8_t* const* w, const uint8_t* const* x, float* out, int64_t n) {
  const int64_t nb = n / kB, n_pairs = nb / 2;
  const __m512i c = _mm512_set1_epi8(static_cast<char>(Q::kOffset));
  __m512 acc[R][NX];
  for (int r = 0; r < R; ++r)
    for (int j = 0; j < NX; ++j) acc[r][j] = _mm512_setzero_ps();
  for (int64_t b0 = 0; b0 < 2 * n_pairs; b0 += 16) {
    const int count = static_cast<int>(std::min<int64_t>(16, 2 * n_pairs - b0));
    __m512 s[R][NX];
    for (int r = 0; r < R; ++r) {
      _mm_prefetch(reinterpret_cast<const char*>(w[r] + 2 * b0) + kPrefetchBytes / 8, _MM_HINT_T0);
      const __m512 dw = load_halves(w[r] + 2 * b0, count);
      for (int j = 0; j < NX; ++j) s[r][j] = _mm512_mul_ps(dw, load_floats(x[j] + n + 4 * b0, count));
    }
    int64_t p = b0 / 2;
    const int64_t p_end = (b0 + count) / 2;
    if constexpr (Q::kQuads) {
      // Blocks 2p .. 2p + 3: the low nibbles hold blocks 2p and 2p + 2, the high ones 2p + 1, 2p + 3.
      __m512i idx_l = _mm512_setr_epi32(0, 0, 0, 0, 0, 0, 0, 0, 2, 2, 2, 2, 2, 2, 2, 2);
      __m512i idx_h = _mm512_setr_epi32(1, 1, 1, 1, 1, 1, 1, 1, 3, 3, 3, 3, 3, 3, 3, 3);
      for (; p + 2 <= p_end; p += 2) {
        __m512i xl[NX], xh[NX], sl[NX], sh[NX];
        for (int j = 0; j < NX; ++j) {
          const uint8_t* xp = x[j] + 64 * p;
          xl[j] = two_halves(xp, xp + 64);
          xh[j] = two_halves(xp + 32, xp + 96);
          sl[j] = neg_offset(xl[j], c);
          sh[j] = neg_offset(xh[j], c);
        }
        for (int r = 0; r < R; ++r) {
          const uint8_t* q = w[r] + 2 * nb + Q::kPairBytes * p;
          _mm_prefetch(reinterpret_cast<const char*>(q) + kPrefetchBytes, _MM_HINT_T0);
          const __m512i v = load64(q);
          const __m512i lo = low_nibbles(v), hi = high_nibbles(v);
          for (int j = 0; j < NX; ++j) {
            acc[r][j] = fma_lanes(_mm512_dpbusd_epi32(sl[j], lo, xl[j]), _mm512_permutexvar_ps(idx_l, s[r][j]), acc[r][j]);
            acc[r][j] = fma_lanes(_mm512_dpbusd_epi32(sh[j], hi, xh[j]), _mm512_permutexvar_ps(idx_h, s[r][j]), acc[r][j]);
          }
        }
        idx_l = _mm512_add_epi32(idx_l, _mm512_set1_epi32(4));
        idx_h = _mm512_add_epi32(idx_h, _mm512_set1_epi32(4));
      }
    }
    __m512i idx = _mm512_add_epi32(_mm512_setr_epi32(0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1),
                                   _mm512_set1_epi32(static_cast<int>(2 * p - b0)));
    for (; p < p_end; ++p) {
      __m512i xv[NX], start[NX];
      for (int j = 0; j < NX; ++j) {
        xv[j] = load64(x[j] + 64 * p);
        start[j] = neg_offset(xv[j], c);
      }
      for (int r = 0; r < R; ++r) {
        const uint8_t* q = w[r] + 2 * nb + Q::kPairBytes * p;
        _mm_prefetch(reinterpret_cast<const char*>(q) + kPrefetchBytes, _MM_HINT_T0);
        const __m512i wv = Q::pair(q);
        for (int j = 0; j < NX; ++j)
          acc[r][j] = fma_lanes(_mm512_dpbusd_epi32(start[j], wv, xv[j]), _mm512_permutexvar_ps(idx, s[r][j]), acc[r][j]);
      }
      idx = _mm512_add_epi32(idx, _mm512_set1_epi32(2));
    }
  }
  if (nb % 2 != 0) {
    const int64_t b = nb - 1;
    const __m256i c256 = _mm256_set1_epi8(static_cast<char>(Q::kOffset));
    __m256i xv[NX], start[NX];
    for (int j = 0; j < NX; ++j) {
      xv[j] = load32(x[j] + kB * b);
      start[j] = neg_offset256(xv[j], c256);
    }
    for (int r = 0; r < R; ++r) {
      const __m256i wv = Q::last(w[r] + 2 * nb + Q::kPairBytes * n_pairs);
      const float dw = half_at(w[r] + 2 * b);
      for (int j = 0; j < NX; ++j) {
        const __m256 t = _mm256_cvtepi32_ps(_mm256_dpbusd_epi32(start[j], wv, xv[j]));
        const __m512 s = _mm512_set1_ps(dw * float_at(x[j] + n + 4 * b));
        acc[r][j] = _mm512_fmadd_ps(_mm512_zextps256_ps512(t), s, acc[r][j]);
      }
    }
  }
  for (int r = 0; r < R; ++r)
    for (int j = 0; j < NX; ++j) out[r * NX + j] = _mm512_reduce_add_ps(acc[r][j]);
}

template <int R, int NX>
struct Q8_0IK {
  static void run(const uint8_t* const* w, const uint8_t* const* x, float* out, int64_t n) {
    legacy_kernel<Q8_0IQuants, R, NX>(w, x, out, n);
  }
};
template <int R, int NX>
struct Q4_0IK {
  static void run(const uint8_t* const* w, const uint8_t* const* x, float* out, int64_t n) {
    legacy_kernel<Q4_0IQuants, R, NX>(w, x, out, n);
  }
};

// ---------------- Q4_K ----------------
// Per super-block and row: the 16 floats (d sc_0..7, dmin m_0..7) times (dx_0..7, dx_0..7) give
// the sub-blocks' scales (lanes 0-7, picked per pair of sub-blocks by vpermps) and min factors
// (lanes 8-15, one fnmadd with the activations' block sums sx in lanes 8-15, 0 in lanes 0-7).

// Sub-block scales and mins of a block as 16 floats (d sc_0..7, dmin m_0..7): q4k_scales_mins on
// the header words (w0 = d | dmin, a, b, c): (a, c, b, c >> 4) & (3F, 0F, 3F, 0F) |
// ((a, a, b, b) >> 2) & (0, 30, 0, 30).
[[gnu::always_inline]] inline __m512 q4k_scales(const uint8_t* blk) {
  const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(blk));
  const __m128i t1 = _mm_srlv_epi32(_mm_shuffle_epi32(v, _MM_SHUFFLE(3, 2, 3, 1)), _mm_setr_epi32(0, 0, 0, 4));
  const __m128i t2 = _mm_srli_epi32(_mm_shuffle_epi32(v, _MM_SHUFFLE(2, 2, 1, 1)), 2);
  const __m128i m1 = _mm_setr_epi32(0x3F3F3F3F, 0x0F0F0F0F, 0x3F3F3F3F, 0x0F0F0F0F);
  const __m128i m2 = _mm_setr_epi32(0, 0x30303030, 0, 0x30303030);
  const __m128i sm = _mm_ternarylogic_epi32(t1, m1, _mm_and_si128(t2, m2), 0xEA);  // (t1 & m1) | (t2 & m2)
  const __m512 dd = _mm512_permutexvar_ps(_mm512_setr_epi32(0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1),
                                          _mm512_castps128_ps512(_mm_cvtph_ps(v)));
  return _mm512_mul_ps(_mm512_cvtepi32_ps(_mm512_cvtepu8_epi32(sm)), dd);
}

template <int R, int NX>
void q4k_kernel(const uint8_t* const* w, const uint8_t* const* x, float* out, int64_t n) {
  const int64_t ns = n / kN;
  __m512 acc[R][NX];
  for (int r = 0; r < R; ++r)
    for (int j = 0; j < NX; ++j) acc[r][j] = _mm512_setzero_ps();
  for (int64_t sb = 0; sb < ns; ++sb) {
    __m512 s[R][NX];
    {
      __m512 dx[NX], sx[NX];
      for (int j = 0; j < NX; ++j) {
        dx[j] = _mm512_broadcast_f32x8(_mm256_loadu_ps(reinterpret_cast<const float*>(x[j] + n + 32 * sb)));
        const __m256i g = load32(x[j] + n + n / 8 + 32 * sb);  // the 16 group sums
        const __m256 bs = _mm256_cvtepi32_ps(_mm256_madd_epi16(g, _mm256_set1_epi16(1)));
        sx[j] = _mm512_insertf32x8(_mm512_setzero_ps(), bs, 1);
      }
      for (int r = 0; r < R; ++r) {
        const uint8_t* blk = w[r] + kQ4KBytes * sb;
        _mm_prefetch(reinterpret_cast<const char*>(blk) + kPrefetchBytes, _MM_HINT_T0);
        _mm_prefetch(reinterpret_cast<const char*>(blk) + kPrefetchBytes + 64, _MM_HINT_T0);
        _mm_prefetch(reinterpret_cast<const char*>(blk) + kPrefetchBytes + 128, _MM_HINT_T0);
        const __m512 sm = q4k_scales(blk);
        for (int j = 0; j < NX; ++j) {
          s[r][j] = _mm512_mul_ps(sm, dx[j]);
          acc[r][j] = _mm512_fnmadd_ps(s[r][j], sx[j], acc[r][j]);
        }
      }
    }
    // Half h (64 bytes of qs): the low nibbles hold sub-blocks 4h and 4h + 2, the high ones 4h + 1, 4h + 3.
    __m512i idx_l = _mm512_setr_epi32(0, 0, 0, 0, 0, 0, 0, 0, 2, 2, 2, 2, 2, 2, 2, 2);
    __m512i idx_h = _mm512_setr_epi32(1, 1, 1, 1, 1, 1, 1, 1, 3, 3, 3, 3, 3, 3, 3, 3);
#pragma GCC unroll 2
    for (int h = 0; h < 2; ++h) {
      __m512i xl[NX], xh[NX];
      for (int j = 0; j < NX; ++j) {
        const uint8_t* xp = x[j] + kN * sb + 128 * h;
        xl[j] = two_halves(xp, xp + 64);
        xh[j] = two_halves(xp + 32, xp + 96);
      }
      for (int r = 0; r < R; ++r) {
        const __m512i v = load64(w[r] + kQ4KBytes * sb + 16 + 64 * h);
        const __m512i lo = low_nibbles(v), hi = high_nibbles(v);
        for (int j = 0; j < NX; ++j) {
          acc[r][j] = fma_lanes(_mm512_dpbusd_epi32(_mm512_setzero_si512(), lo, xl[j]),
                                _mm512_permutexvar_ps(idx_l, s[r][j]), acc[r][j]);
          acc[r][j] = fma_lanes(_mm512_dpbusd_epi32(_mm512_setzero_si512(), hi, xh[j]),
                                _mm512_permutexvar_ps(idx_h, s[r][j]), acc[r][j]);
        }
      }
      idx_l = _mm512_add_epi32(idx_l, _mm512_set1_epi32(4));
      idx_h = _mm512_add_epi32(idx_h, _mm512_set1_epi32(4));
    }
  }
  for (int r = 0; r < R; ++r)
    for (int j = 0; j < NX; ++j) out[r * NX + j] = _mm512_reduce_add_ps(acc[r][j]);
}

template <int R, int NX>
struct Q4_KK {
  static void run(const uint8_t* const* w, const uint8_t* const* x, float* out, int64_t n) { q4k_kernel<R, NX>(w, x, out, n); }
};

// ---------------- Q6_K ----------------
// 64 elements 128 h + 64 k' .. (k' < 2): the low nibbles (k' = 0) or high nibbles (k' = 1) of
// ql[64 h .. 64 h + 63], and the qh[32 h ..] bits 2 (2 k') + {0, 1} of the lower 256-bit half,
// 2 (2 k' + 1) + {0, 1} of the upper one, moved to bits 4-5. The 16 lanes are 4 groups of 16
// elements; the scale vector holds d sc_g dx_(g/2) for g < 16, vpermps spreads 4 of them.

template <int R, int NX>
void q6k_kernel(const uint8_t* const* w, const uint8_t* const* x, float* out, int64_t n) {
  const int64_t ns = n / kN;
  const __m512i c32 = _mm512_set1_epi8(32), m4 = _mm512_set1_epi8(0x0F), m2 = _mm512_set1_epi8(0x30);
  __m512 acc[R][NX];
  for (int r = 0; r < R; ++r)
    for (int j = 0; j < NX; ++j) acc[r][j] = _mm512_setzero_ps();
  for (int64_t sb = 0; sb < ns; ++sb) {
    __m512 s[R][NX];
    {
      __m512 dx[NX];
      for (int j = 0; j < NX; ++j)
        dx[j] = _mm512_permutexvar_ps(
            _mm512_setr_epi32(0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7),
            _mm512_castps256_ps512(_mm256_loadu_ps(reinterpret_cast<const float*>(x[j] + n + 32 * sb))));
      for (int r = 0; r < R; ++r) {
        const uint8_t* blk = w[r] + kQ6KBytes * sb;
        for (int l = 0; l < 4; ++l)
          _mm_prefetch(reinterpret_cast<const char*>(blk) + kPrefetchBytes + 64 * l, _MM_HINT_T0);
        const __m512 sc = _mm512_cvtepi32_ps(
            _mm512_cvtepi8_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(blk + offsetof(BlockQ6_K, scales)))));
        const __m512 ds = _mm512_mul_ps(_mm512_set1_ps(half_at(blk + offsetof(BlockQ6_K, d))), sc);
        for (int j = 0; j < NX; ++j) s[r][j] = _mm512_mul_ps(ds, dx[j]);
      }
    }
    __m512i idx = _mm512_setr_epi32(0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3);
#pragma GCC unroll 4
    for (int k = 0; k < 4; ++k) {
      const int h = k / 2;
      __m512i xv[NX], start[NX];
      for (int j = 0; j < NX; ++j) {
        xv[j] = load64(x[j] + kN * sb + 64 * k);
        start[j] = neg_offset(xv[j], c32);
      }
      for (int r = 0; r < R; ++r) {
        const uint8_t* blk = w[r] + kQ6KBytes * sb;
        const __m512i ql = load64(blk + offsetof(BlockQ6_K, ql) + 64 * h);
        const __m512i qh = _mm512_broadcast_i64x4(load32(blk + offsetof(BlockQ6_K, qh) + 32 * h));
        __m512i q;
        if (k % 2 == 0) {
          q = _mm512_ternarylogic_epi32(_mm512_and_si512(_mm512_sllv_epi64(qh, _mm512_setr_epi64(4, 4, 4, 4, 2, 2, 2, 2)), m2),
                                        ql, m4, 0xF8);  // a | (b & c)
        } else {
          q = _mm512_ternarylogic_epi32(_mm512_and_si512(_mm512_srlv_epi64(qh, _mm512_setr_epi64(0, 0, 0, 0, 2, 2, 2, 2)), m2),
                                        _mm512_srli_epi16(ql, 4), m4, 0xF8);
        }
        for (int j = 0; j < NX; ++j)
          acc[r][j] = fma_lanes(_mm512_dpbusd_epi32(start[j], q, xv[j]), _mm512_permutexvar_ps(idx, s[r][j]), acc[r][j]);
      }
      idx = _mm512_add_epi32(idx, _mm512_set1_epi32(4));
    }
  }
  for (int r = 0; r < R; ++r)
    for (int j = 0; j < NX; ++j) out[r * NX + j] = _mm512_reduce_add_ps(acc[r][j]);
}

template <int R, int NX>
struct Q6_KK {
  static void run(const uint8_t* const* w, const uint8_t* const* x, float* out, int64_t n) { q6k_kernel<R, NX>(w, x, out, n); }
};

// ---------------- the driver ----------------

// Rows r0 .. of `rows` (R of them) against all n_x vectors, in chunks of 4, 2 and 1 vectors.
template <template <int, int> class K, int R>
[[gnu::always_inline]] inline void rows_against_vectors(const uint8_t* const* rows, const int64_t* row_index,
                                                        const uint8_t* acts, size_t xq_stride, int64_t n_x, float* y,
                                                        int64_t y_stride, int64_t n) {
  float out[R * 4];
  int64_t j0 = 0;
  const auto store = [&](int nx) {
    for (int r = 0; r < R; ++r)
      for (int j = 0; j < nx; ++j) y[(j0 + j) * y_stride + row_index[r]] = out[r * nx + j];
    j0 += nx;
  };
  while (n_x - j0 >= 4) {
    const uint8_t* xs[4] = {acts + j0 * xq_stride, acts + (j0 + 1) * xq_stride, acts + (j0 + 2) * xq_stride,
                            acts + (j0 + 3) * xq_stride};
    K<R, 4>::run(rows, xs, out, n);
    store(4);
  }
  if (n_x - j0 >= 2) {
    const uint8_t* xs[2] = {acts + j0 * xq_stride, acts + (j0 + 1) * xq_stride};
    K<R, 2>::run(rows, xs, out, n);
    store(2);
  }
  if (n_x - j0 >= 1) {
    const uint8_t* xs[1] = {acts + j0 * xq_stride};
    K<R, 1>::run(rows, xs, out, n);
    store(1);
  }
}

// One vector: rows four at a time, rows i, i + q, i + 2q, i + 3q (four sequential streams
// through memory for the prefetchers); several vectors: rows two at a time; then one by one.
constexpr int kRowsPerStep = 4;  // 8 measured no faster (Q8_0 slower: register spills)

template <template <int, int> class K>
void int8_dot_multi(const void* w, size_t row_stride, int64_t n_rows, const void* xq, size_t xq_stride, int64_t n_x,
                    float* y, int64_t y_stride, int64_t n) {
  const auto* base = static_cast<const uint8_t*>(w);
  const auto* acts = static_cast<const uint8_t*>(xq);
  int64_t r = 0;
  if (n_x == 1) {
    const int64_t q = n_rows / kRowsPerStep;
    for (int64_t i = 0; i < q; ++i) {
      int64_t idx[kRowsPerStep];
      const uint8_t* rows[kRowsPerStep];
      for (int k = 0; k < kRowsPerStep; ++k) {
        idx[k] = i + k * q;
        rows[k] = base + idx[k] * row_stride;
      }
      float out[kRowsPerStep];
      const uint8_t* xs[1] = {acts};
      K<kRowsPerStep, 1>::run(rows, xs, out, n);
      for (int k = 0; k < kRowsPerStep; ++k) y[idx[k]] = out[k];
    }
    r = kRowsPerStep * q;
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

// dequant: the layout's decoder; nullptr where the path reads the GGUF layout, whose decoder is
// then the best dequant_row registered so far (register_int8_ref took the scalar one).
void set_vnni(KernelTable& t, DType type, DequantRowFn dequant, Int8DotMultiFn dot) {
  WeightKernels& k = t.weights[static_cast<uint32_t>(type)];
  k.int8_dequant_row = dequant != nullptr ? dequant : k.dequant_row;
  k.int8_dot_multi = dot;
  k.int8_isa = Isa::kAvx512Vnni;
}

}  // namespace

void register_int8_avx512vnni(KernelTable& t) {
  t.quantize_act = quantize_act_vnni;
  t.quantize_act_isa = Isa::kAvx512Vnni;
  set_vnni(t, DType::kQ8_0, dequant_q8_0i_vnni, int8_dot_multi<Q8_0IK>);
  set_vnni(t, DType::kQ4_0, dequant_q4_0i_vnni, int8_dot_multi<Q4_0IK>);
  set_vnni(t, DType::kQ4_K, nullptr, int8_dot_multi<Q4_KK>);
  set_vnni(t, DType::kQ6_K, nullptr, int8_dot_multi<Q6_KK>);
}

}  // namespace coreinfer::kernels
