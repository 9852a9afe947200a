// AVX-512 kernels of the packed layouts (kernels/quant/packed.h).
//
// A 64-byte load holds 128 4-bit quants; shifting its 16 words right by 4k puts the quants of
// elements 16k .. 16k+15 in the low nibbles, and vpermps (which reads only those 4 bits) looks
// them up in a 16-entry fp32 table that already holds the decoded weights of the (sub-)block:
//   Q4_0P: table = (q - 8) * d               (exactly the GGUF decoder's value)
//   Q4_KP: table = fmsub(q, d*scale, dmin*min) (dot) / (q * (d*scale)) - dmin*min (dequant, exact)
// so each 16 weights cost a shift, a permute and the FMA with x; each row is prefetched in
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

// q4k_scales_mins as two 64-bit words (byte j = sub-block j), straight from three 32-bit loads:
// building them in memory byte by byte and reloading 8 bytes would stall on store forwarding.
[[gnu::always_inline]] inline __m128i q4k_scale_bytes(const uint8_t* packed, __m128i* mins) {
  const uint32_t a = load_le32(packed), b = load_le32(packed + 4), c = load_le32(packed + 8);
  const uint64_t sc = (a & 0x3F3F3F3Fu) | static_cast<uint64_t>((c & 0x0F0F0F0Fu) | ((a >> 2) & 0x30303030u)) << 32;
  const uint64_t mn = (b & 0x3F3F3F3Fu) | static_cast<uint64_t>(((c >> 4) & 0x0F0F0F0Fu) | ((b >> 2) & 0x30303030u)) << 32;
  *mins = _mm_cvtsi64_si128(static_cast<int64_t>(mn));
  return _mm_cvtsi64_si128(static_cast<int64_t>(sc));
}

// Sub-block scales d*scale and offsets dmin*min of `count` super-blocks from s0, 8 each.
[[gnu::always_inline]] inline void q4kp_params(const uint8_t* headers, int64_t s0, int64_t count, float* scale, float* offset) {
  for (int64_t s = 0; s < count; ++s) {
    const uint8_t* h = headers + kQ4KHeaderBytes * (s0 + s);
    uint16_t dh, mh;
    std::memcpy(&dh, h, 2);
    std::memcpy(&mh, h + 2, 2);
    __m128i mn;
    const __m128i sc = q4k_scale_bytes(h + 4, &mn);
    const auto widen = [](__m128i bytes) { return _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(bytes)); };
    _mm256_storeu_ps(scale + 8 * s, _mm256_mul_ps(widen(sc), _mm256_set1_ps(half_to_float(dh))));
    _mm256_storeu_ps(offset + 8 * s, _mm256_mul_ps(widen(mn), _mm256_set1_ps(half_to_float(mh))));
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
  alignas(64) float scale[R][8 * kQ4KScaleRun], offset[R][8 * kQ4KScaleRun];
  for (int64_t s0 = 0; s0 < ns; s0 += kQ4KScaleRun) {
    const int64_t run = std::min(kQ4KScaleRun, ns - s0);
    for (int r = 0; r < R; ++r) q4kp_params(rows[r], s0, run, scale[r], offset[r]);
    for (int64_t si = 0; si < run; ++si) {
      const int64_t s = s0 + si;
      for (int h = 0; h < 2; ++h) {
        for (int r = 0; r < R; ++r) {
          const uint8_t* qg = rows[r] + kQ4KHeaderBytes * ns + 128 * s + kPackedGroupBytes * h;
          _mm_prefetch(reinterpret_cast<const char*>(qg) + kPrefetchBytes, _MM_HINT_T0);
          const __m512i v = _mm512_loadu_si512(qg);
          for (int sb = 0; sb < 4; ++sb) {
            const int i = 8 * static_cast<int>(si) + 4 * h + sb;
            const __m512 t = _mm512_fmsub_ps(table, _mm512_set1_ps(scale[r][i]), _mm512_set1_ps(offset[r][i]));
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
  alignas(32) float scale[8], offset[8];
  for (int64_t s = 0; s < ns; ++s) {
    q4kp_params(p, s, 1, scale, offset);
    for (int h = 0; h < 2; ++h) {
      const __m512i v = _mm512_loadu_si512(p + kQ4KHeaderBytes * ns + 128 * s + kPackedGroupBytes * h);
      for (int sb = 0; sb < 4; ++sb) {
        const __m512 t = _mm512_sub_ps(_mm512_mul_ps(table, _mm512_set1_ps(scale[4 * h + sb])),
                                       _mm512_set1_ps(offset[4 * h + sb]));
        for (int kk = 0; kk < 2; ++kk) {
          const int k = 2 * sb + kk;
          _mm512_storeu_ps(dst + kN * s + 128 * h + 16 * k, _mm512_permutexvar_ps(nibble_k(v, k), t));
        }
      }
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

}  // namespace

void register_quant_packed_avx512(KernelTable& t) {
  set_simd_packed_kernels(t, DType::kQ4_0, Isa::kAvx512, dequant_q4_0p, dot_multi<Q4_0P>);
  set_simd_packed_kernels(t, DType::kQ4_K, Isa::kAvx512, dequant_q4_kp, dot_multi<Q4_KP>);
}

}  // namespace coreinfer::kernels
