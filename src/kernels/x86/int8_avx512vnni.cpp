// AVX-512 VNNI kernels of the 8-bit activation path (kernels/quant/int8_path.h): the Q8A
// quantizer and the integer GEMV of Q8_0I, Q4_0I, Q4_K and Q6_K.
//
// Every 64 weights become 64 unsigned bytes in element order and one vpdpbusd with 64 bytes of
// activations gives 16 int32 lanes, each the sum of 4 products:
//   Q4_0I / Q4_K: a 32-byte load broadcast to both 256-bit halves, shifted by 0 / 4 per half
//                 (vpsrlvq) and masked: the low nibbles are elements 0-31, the high ones 32-63.
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

void quantize_act_vnni(const float* x, void* xq, int64_t n) {
  auto* p = static_cast<uint8_t*>(xq);
  const int64_t nb = n / kB;
  const __m512 abs_mask = _mm512_castsi512_ps(_mm512_set1_epi32(0x7FFFFFFF));
  const __m512i lo = _mm512_set1_epi32(-127), hi = _mm512_set1_epi32(127);
  for (int64_t b = 0; b < nb; ++b) {
    const __m512 x0 = _mm512_loadu_ps(x + kB * b), x1 = _mm512_loadu_ps(x + kB * b + 16);
    // max(|x|, acc) keeps acc when |x| is NaN, as std::fmax does.
    __m512 a = _mm512_max_ps(_mm512_and_ps(x0, abs_mask), _mm512_setzero_ps());
    a = _mm512_max_ps(_mm512_and_ps(x1, abs_mask), a);
    const float amax = _mm512_reduce_max_ps(a);
    const float d = amax / 127.0f;
    const float id = d != 0.0f ? 1.0f / d : 0.0f;
    const __m512 vid = _mm512_set1_ps(id);
    // cvtps2dq rounds half to even like lrint; NaN gives INT_MIN, clamped to -127 like the reference.
    const __m512i q0 = _mm512_max_epi32(_mm512_min_epi32(_mm512_cvtps_epi32(_mm512_mul_ps(x0, vid)), hi), lo);
    const __m512i q1 = _mm512_max_epi32(_mm512_min_epi32(_mm512_cvtps_epi32(_mm512_mul_ps(x1, vid)), hi), lo);
    _mm_storeu_si128(reinterpret_cast<__m128i*>(p + kB * b), _mm512_cvtepi32_epi8(q0));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(p + kB * b + 16), _mm512_cvtepi32_epi8(q1));
    std::memcpy(p + n + 4 * b, &d, sizeof d);
    const int16_t s[2] = {static_cast<int16_t>(_mm512_reduce_add_epi32(q0)),
                          static_cast<int16_t>(_mm512_reduce_add_epi32(q1))};
    std::memcpy(p + n + n / 8 + 4 * b, s, sizeof s);
  }
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
// Row: nb fp16 scales, then the quants. Blocks go by pairs (64 elements, one vpdpbusd); the
// scale products of 16 blocks at a time are one vector, lanes 0-7 / 8-15 of pair p taking
// products 2p / 2p + 1. An odd last block goes through 256-bit vectors.

struct Q8_0IQuants {
  static constexpr int kOffset = 128;
  static constexpr int kPairBytes = 64;
  static __m512i pair(const uint8_t* q) { return _mm512_xor_si512(load64(q), _mm512_set1_epi8(static_cast<char>(0x80))); }
  static __m256i last(const uint8_t* q) { return _mm256_xor_si256(load32(q), _mm256_set1_epi8(static_cast<char>(0x80))); }
};

struct Q4_0IQuants {
  static constexpr int kOffset = 8;
  static constexpr int kPairBytes = 32;
  static __m512i pair(const uint8_t* q) { return nibbles64(q); }
  static __m256i last(const uint8_t* q) {  // GGUF order: elements 0-15 low nibbles, 16-31 high
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(q)), m = _mm_set1_epi8(0x0F);
    return _mm256_set_m128i(_mm_and_si128(_mm_srli_epi16(v, 4), m), _mm_and_si128(v, m));
  }
};

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
    __m512i idx = _mm512_setr_epi32(0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1);
    for (int64_t p = b0 / 2; p < (b0 + count) / 2; ++p) {
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
  const __m128i sm = _mm_or_si128(_mm_and_si128(t1, m1), _mm_and_si128(t2, m2));
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
    __m512i idx = _mm512_setr_epi32(0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1);
    for (int c = 0; c < 4; ++c) {
      __m512i xv[NX];
      for (int j = 0; j < NX; ++j) xv[j] = load64(x[j] + kN * sb + 64 * c);
      for (int r = 0; r < R; ++r) {
        const __m512i wv = nibbles64(w[r] + kQ4KBytes * sb + 16 + 32 * c);
        for (int j = 0; j < NX; ++j)
          acc[r][j] = fma_lanes(_mm512_dpbusd_epi32(_mm512_setzero_si512(), wv, xv[j]),
                                _mm512_permutexvar_ps(idx, s[r][j]), acc[r][j]);
      }
      idx = _mm512_add_epi32(idx, _mm512_set1_epi32(2));
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
template <template <int, int> class K>
void int8_dot_multi(const void* w, size_t row_stride, int64_t n_rows, const void* xq, size_t xq_stride, int64_t n_x,
                    float* y, int64_t y_stride, int64_t n) {
  const auto* base = static_cast<const uint8_t*>(w);
  const auto* acts = static_cast<const uint8_t*>(xq);
  int64_t r = 0;
  if (n_x == 1) {
    const int64_t q = n_rows / 4;
    for (int64_t i = 0; i < q; ++i) {
      const int64_t idx[4] = {i, i + q, i + 2 * q, i + 3 * q};
      const uint8_t* rows[4] = {base + idx[0] * row_stride, base + idx[1] * row_stride, base + idx[2] * row_stride,
                                base + idx[3] * row_stride};
      float out[4];
      const uint8_t* xs[1] = {acts};
      K<4, 1>::run(rows, xs, out, n);
      for (int k = 0; k < 4; ++k) y[idx[k]] = out[k];
    }
    r = 4 * q;
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

void set_vnni(KernelTable& t, DType type, Int8DotMultiFn dot) {
  WeightKernels& k = t.weights[static_cast<uint32_t>(type)];
  k.int8_dot_multi = dot;
  k.int8_isa = Isa::kAvx512Vnni;
}

}  // namespace

void register_int8_avx512vnni(KernelTable& t) {
  t.quantize_act = quantize_act_vnni;
  t.quantize_act_isa = Isa::kAvx512Vnni;
  set_vnni(t, DType::kQ8_0, int8_dot_multi<Q8_0IK>);
  set_vnni(t, DType::kQ4_0, int8_dot_multi<Q4_0IK>);
  set_vnni(t, DType::kQ4_K, int8_dot_multi<Q4_KK>);
  set_vnni(t, DType::kQ6_K, int8_dot_multi<Q6_KK>);
}

}  // namespace coreinfer::kernels
