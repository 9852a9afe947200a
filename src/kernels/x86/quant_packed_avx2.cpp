// AVX2 kernels of the packed layouts (kernels/quant/packed.h). A 64-byte quant group is two
// 32-byte halves (words 0-7 and 8-15); shifting right by 4k and masking gives the quants of
// lanes 16k .. 16k+7 and 16k+8 .. 16k+15, which are converted to fp32 and scaled:
//   Q4_0P: (q - 8) * d                         (exactly the GGUF decoder's value)
//   Q4_KP: fmsub(q, d*scale, dmin*min) in the dot, (q * (d*scale)) - dmin*min in the decoder.
// Each (row, vector) pair has 8 accumulators, acc[k] taking lanes 16k .. 16k+7 then
// 16k+8 .. 16k+15 of each group in order; the several-vector kernels repeat exactly those
// operations per vector, so every result is bit-identical to the one-vector result.
#include <algorithm>
#include <cstring>

#include "kernels/quant/blocks.h"
#include "kernels/quant/packed.h"
#include "kernels/x86/quant_x86.h"
#include "kernels/x86/simd_avx2.h"

namespace coreinfer::kernels {
namespace {

using namespace avx2;

constexpr int kB = kLegacyBlockSize;
constexpr int kN = kSuperBlockSize;
constexpr int kAcc = 8;
constexpr int64_t kQ4_0ScaleRun = 512;  // blocks whose scales are converted at once (multiple of 8)
constexpr int64_t kQ4KScaleRun = 32;    // super-blocks whose scales are decoded at once

[[gnu::always_inline]] inline __m256i nibble_k(__m256i v, int k) {
  return _mm256_and_si256(k == 0 ? v : _mm256_srli_epi32(v, 4 * k), _mm256_set1_epi32(0xF));
}

[[gnu::always_inline]] inline float reduce8(const __m256* a) {
  const __m256 s = _mm256_add_ps(_mm256_add_ps(_mm256_add_ps(a[0], a[1]), _mm256_add_ps(a[2], a[3])),
                                 _mm256_add_ps(_mm256_add_ps(a[4], a[5]), _mm256_add_ps(a[6], a[7])));
  return hsum(s);
}

[[gnu::always_inline]] inline float load_half(const uint8_t* p) {
  uint16_t h;
  std::memcpy(&h, p, 2);
  return half_to_float(h);
}

void halves_to_floats(const uint8_t* p, int64_t count, float* dst) {
  int64_t i = 0;
  for (; i + 8 <= count; i += 8) _mm256_storeu_ps(dst + i, _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 2 * i))));
  for (; i < count; ++i) dst[i] = load_half(p + 2 * i);
}

// ---------------- Q4_0P ----------------

// (q - 8) * d of 8 quants.
[[gnu::always_inline]] inline __m256 q4_0_weights(__m256i q, __m256 d) {
  return _mm256_mul_ps(to_float(_mm256_sub_epi32(q, _mm256_set1_epi32(8))), d);
}

template <int NX>
void q4_0p_kernel(const uint8_t* row, const float* x, int64_t x_stride, float* out, int64_t n) {
  const int64_t nb = n / kB;
  const int64_t n_groups = nb / kQ4_0GroupBlocks;
  __m256 acc[NX][kAcc];
  for (int j = 0; j < NX; ++j)
    for (int k = 0; k < kAcc; ++k) acc[j][k] = _mm256_setzero_ps();
  alignas(32) float d[kQ4_0ScaleRun];
  for (int64_t b0 = 0; b0 < n_groups * kQ4_0GroupBlocks; b0 += kQ4_0ScaleRun) {
    const int64_t run = std::min(kQ4_0ScaleRun, n_groups * kQ4_0GroupBlocks - b0);
    halves_to_floats(row + 2 * b0, run, d);
    for (int64_t gi = 0; gi < run / kQ4_0GroupBlocks; ++gi) {
      const int64_t g = b0 / kQ4_0GroupBlocks + gi;
      const uint8_t* q = row + 2 * nb + kPackedGroupBytes * g;
      const __m256i v0 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(q));
      const __m256i v1 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(q + 32));
      for (int k = 0; k < kAcc; ++k) {
        const __m256 dk = _mm256_set1_ps(d[4 * gi + k / 2]);
        const __m256 w0 = q4_0_weights(nibble_k(v0, k), dk), w1 = q4_0_weights(nibble_k(v1, k), dk);
        for (int j = 0; j < NX; ++j) {
          const float* xg = x + j * x_stride + 128 * g + 16 * k;
          acc[j][k] = _mm256_fmadd_ps(w0, _mm256_loadu_ps(xg), acc[j][k]);
          acc[j][k] = _mm256_fmadd_ps(w1, _mm256_loadu_ps(xg + 8), acc[j][k]);
        }
      }
    }
  }
  for (int64_t b = n_groups * kQ4_0GroupBlocks; b < nb; ++b) {  // trailing blocks, GGUF order
    const int t = static_cast<int>(b - n_groups * kQ4_0GroupBlocks);
    const __m256 db = _mm256_set1_ps(load_half(row + 2 * b));
    const __m256i a = load_u8x8(row + 2 * nb + 16 * b), c = load_u8x8(row + 2 * nb + 16 * b + 8);
    const __m256i mask = _mm256_set1_epi32(0xF);
    const __m256 w[4] = {q4_0_weights(_mm256_and_si256(a, mask), db), q4_0_weights(_mm256_and_si256(c, mask), db),
                         q4_0_weights(_mm256_srli_epi32(a, 4), db), q4_0_weights(_mm256_srli_epi32(c, 4), db)};
    for (int j = 0; j < NX; ++j) {
      const float* xb = x + j * x_stride + kB * b;
      for (int h = 0; h < 4; ++h)
        acc[j][2 * t + h / 2] = _mm256_fmadd_ps(w[h], _mm256_loadu_ps(xb + 8 * h), acc[j][2 * t + h / 2]);
    }
  }
  for (int j = 0; j < NX; ++j) out[j] = reduce8(acc[j]);
}

void dequant_q4_0p(const void* src, float* dst, int64_t n) {
  const auto* p = static_cast<const uint8_t*>(src);
  const int64_t nb = n / kB;
  const int64_t n_groups = nb / kQ4_0GroupBlocks;
  for (int64_t g = 0; g < n_groups; ++g) {
    const uint8_t* q = p + 2 * nb + kPackedGroupBytes * g;
    const __m256i v0 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(q));
    const __m256i v1 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(q + 32));
    for (int k = 0; k < kAcc; ++k) {
      const __m256 dk = _mm256_set1_ps(load_half(p + 2 * (kQ4_0GroupBlocks * g + k / 2)));
      _mm256_storeu_ps(dst + 128 * g + 16 * k, q4_0_weights(nibble_k(v0, k), dk));
      _mm256_storeu_ps(dst + 128 * g + 16 * k + 8, q4_0_weights(nibble_k(v1, k), dk));
    }
  }
  for (int64_t b = n_groups * kQ4_0GroupBlocks; b < nb; ++b) {
    const __m256 db = _mm256_set1_ps(load_half(p + 2 * b));
    const __m256i a = load_u8x8(p + 2 * nb + 16 * b), c = load_u8x8(p + 2 * nb + 16 * b + 8);
    const __m256i mask = _mm256_set1_epi32(0xF);
    _mm256_storeu_ps(dst + kB * b, q4_0_weights(_mm256_and_si256(a, mask), db));
    _mm256_storeu_ps(dst + kB * b + 8, q4_0_weights(_mm256_and_si256(c, mask), db));
    _mm256_storeu_ps(dst + kB * b + 16, q4_0_weights(_mm256_srli_epi32(a, 4), db));
    _mm256_storeu_ps(dst + kB * b + 24, q4_0_weights(_mm256_srli_epi32(c, 4), db));
  }
}

// ---------------- Q4_KP ----------------

// Sub-block scales d*scale and offsets dmin*min of `count` super-blocks from s0, 8 each.
// q4k_scales_mins on the header's four words (w0, a, b, c) in one register: two word shuffles,
// (a, c, b, c >> 4) & (3F, 0F, 3F, 0F) | (a, a, b, b) >> 2 & (0, 30, 0, 30) gives scales 0-3, 4-7
// and mins 0-3, 4-7.
void q4kp_params(const uint8_t* headers, int64_t s0, int64_t count, float* scale, float* offset) {
  const __m128i low_mask = _mm_setr_epi32(0x3F3F3F3F, 0x0F0F0F0F, 0x3F3F3F3F, 0x0F0F0F0F);
  const __m128i high_mask = _mm_setr_epi32(0, 0x30303030, 0, 0x30303030);
  const __m128i shift = _mm_setr_epi32(0, 0, 0, 4);
  for (int64_t s = 0; s < count; ++s) {
    const uint8_t* h = headers + kQ4KHeaderBytes * (s0 + s);
    const __m128i words = _mm_loadu_si128(reinterpret_cast<const __m128i*>(h));
    const __m128i low = _mm_srlv_epi32(_mm_shuffle_epi32(words, _MM_SHUFFLE(3, 2, 3, 1)), shift);
    const __m128i high = _mm_srli_epi32(_mm_shuffle_epi32(words, _MM_SHUFFLE(2, 2, 1, 1)), 2);
    const __m128i bytes = _mm_or_si128(_mm_and_si128(low, low_mask), _mm_and_si128(high, high_mask));
    _mm256_storeu_ps(scale + 8 * s, _mm256_mul_ps(to_float(_mm256_cvtepu8_epi32(bytes)), _mm256_set1_ps(load_half(h))));
    _mm256_storeu_ps(offset + 8 * s, _mm256_mul_ps(to_float(_mm256_cvtepu8_epi32(_mm_unpackhi_epi64(bytes, bytes))),
                                                   _mm256_set1_ps(load_half(h + 2))));
  }
}

template <int NX>
void q4kp_kernel(const uint8_t* row, const float* x, int64_t x_stride, float* out, int64_t n) {
  const int64_t ns = n / kN;
  __m256 acc[NX][kAcc];
  for (int j = 0; j < NX; ++j)
    for (int k = 0; k < kAcc; ++k) acc[j][k] = _mm256_setzero_ps();
  alignas(32) float scale[8 * kQ4KScaleRun], offset[8 * kQ4KScaleRun];
  for (int64_t s0 = 0; s0 < ns; s0 += kQ4KScaleRun) {
    const int64_t run = std::min(kQ4KScaleRun, ns - s0);
    q4kp_params(row, s0, run, scale, offset);
    for (int64_t si = 0; si < run; ++si) {
      const int64_t s = s0 + si;
      for (int h = 0; h < 2; ++h) {
        const uint8_t* q = row + kQ4KHeaderBytes * ns + 128 * s + kPackedGroupBytes * h;
        const __m256i v0 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(q));
        const __m256i v1 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(q + 32));
        for (int k = 0; k < kAcc; ++k) {
          const int i = 8 * static_cast<int>(si) + 4 * h + k / 2;
          const __m256 sc = _mm256_set1_ps(scale[i]), mn = _mm256_set1_ps(offset[i]);
          const __m256 w0 = _mm256_fmsub_ps(to_float(nibble_k(v0, k)), sc, mn);
          const __m256 w1 = _mm256_fmsub_ps(to_float(nibble_k(v1, k)), sc, mn);
          for (int j = 0; j < NX; ++j) {
            const float* xg = x + j * x_stride + kN * s + 128 * h + 16 * k;
            acc[j][k] = _mm256_fmadd_ps(w0, _mm256_loadu_ps(xg), acc[j][k]);
            acc[j][k] = _mm256_fmadd_ps(w1, _mm256_loadu_ps(xg + 8), acc[j][k]);
          }
        }
      }
    }
  }
  for (int j = 0; j < NX; ++j) out[j] = reduce8(acc[j]);
}

void dequant_q4_kp(const void* src, float* dst, int64_t n) {
  const auto* p = static_cast<const uint8_t*>(src);
  const int64_t ns = n / kN;
  alignas(32) float scale[8], offset[8];
  for (int64_t s = 0; s < ns; ++s) {
    q4kp_params(p, s, 1, scale, offset);
    for (int h = 0; h < 2; ++h) {
      const uint8_t* q = p + kQ4KHeaderBytes * ns + 128 * s + kPackedGroupBytes * h;
      const __m256i v0 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(q));
      const __m256i v1 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(q + 32));
      for (int k = 0; k < kAcc; ++k) {
        const __m256 sc = _mm256_set1_ps(scale[4 * h + k / 2]), mn = _mm256_set1_ps(offset[4 * h + k / 2]);
        float* y = dst + kN * s + 128 * h + 16 * k;
        _mm256_storeu_ps(y, _mm256_sub_ps(_mm256_mul_ps(to_float(nibble_k(v0, k)), sc), mn));
        _mm256_storeu_ps(y + 8, _mm256_sub_ps(_mm256_mul_ps(to_float(nibble_k(v1, k)), sc), mn));
      }
    }
  }
}

// ---------------- Q6_KP ----------------
// As the AVX-512 kernel (quant_packed_avx512.cpp), each 64-byte vector as two 32-byte halves
// (lanes 0-7, 8-15): group g < 15 is one AND with 0x3F << 6 (g % 5), converted exactly and
// multiplied by (d * scale) * 2^(-6 (g % 5)) in one exact fmsub; acc[g % 4] takes lanes 0-7 then
// 8-15 of each group.

constexpr int64_t kQ6KScaleRun = 16;  // super-blocks whose scales are converted at once
constexpr int kQ6KGroups = 16;

void q6kp_params(const uint8_t* p, int64_t ns, int64_t s0, int64_t count, float* m, float* o) {
  constexpr float a = 1.0f, b = 1.0f / 64, c = 1.0f / 4096, e = 1.0f / 262144, f = 1.0f / 16777216;
  const __m256 pow2[2] = {_mm256_setr_ps(a, b, c, e, f, a, b, c), _mm256_setr_ps(e, f, a, b, c, e, f, 1.0f)};
  for (int64_t s = 0; s < count; ++s) {
    const __m256 d = _mm256_set1_ps(load_half(p + 2 * (s0 + s)));
    const auto* sc = reinterpret_cast<const int8_t*>(p + 2 * ns + 16 * (s0 + s));
    for (int h = 0; h < 2; ++h) {
      const __m256 ds = _mm256_mul_ps(to_float(load_i8x8(sc + 8 * h)), d);
      _mm256_storeu_ps(m + kQ6KGroups * s + 8 * h, _mm256_mul_ps(ds, pow2[h]));
      _mm256_storeu_ps(o + kQ6KGroups * s + 8 * h, _mm256_mul_ps(ds, _mm256_set1_ps(32.0f)));
    }
  }
}

// q of group g from the three vectors' halves v[0..3): q * 2^(6 (g % 5)) for g < 15, q for g = 15.
[[gnu::always_inline]] inline __m256i q6kp_group(const __m256i* v, int g) {
  if (g < 15) return _mm256_and_si256(v[g / 5], _mm256_set1_epi32(0x3F << (6 * (g % 5))));
  const __m256i a = _mm256_slli_epi32(_mm256_srli_epi32(v[0], 30), 4);
  const __m256i b = _mm256_slli_epi32(_mm256_srli_epi32(v[1], 30), 2);
  return _mm256_or_si256(_mm256_or_si256(a, b), _mm256_srli_epi32(v[2], 30));
}

template <int NX>
void q6kp_kernel(const uint8_t* row, const float* x, int64_t x_stride, float* out, int64_t n) {
  constexpr int kA = 4;
  const int64_t ns = n / kN;
  __m256 acc[NX][kA];
  for (int j = 0; j < NX; ++j)
    for (int k = 0; k < kA; ++k) acc[j][k] = _mm256_setzero_ps();
  alignas(32) float mul[kQ6KGroups * kQ6KScaleRun], off[kQ6KGroups * kQ6KScaleRun];
  for (int64_t s0 = 0; s0 < ns; s0 += kQ6KScaleRun) {
    const int64_t run = std::min(kQ6KScaleRun, ns - s0);
    q6kp_params(row, ns, s0, run, mul, off);
    for (int64_t si = 0; si < run; ++si) {
      const int64_t s = s0 + si;
      const uint8_t* qs = row + kQ6KScaleBytes * ns + kQ6KQuantBytes * s;
      __m256i v[2][3];
      for (int c = 0; c < 3; ++c)
        for (int h = 0; h < 2; ++h) v[h][c] = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(qs + 64 * c + 32 * h));
#pragma GCC unroll 16
    for (int g = 0; g < kQ6KGroups; ++g) {
        const int i = kQ6KGroups * static_cast<int>(si) + g;
        const __m256 sc = _mm256_set1_ps(mul[i]), mn = _mm256_set1_ps(off[i]);
        const __m256 w0 = _mm256_fmsub_ps(to_float(q6kp_group(v[0], g)), sc, mn);
        const __m256 w1 = _mm256_fmsub_ps(to_float(q6kp_group(v[1], g)), sc, mn);
        for (int j = 0; j < NX; ++j) {
          const float* xg = x + j * x_stride + kN * s + 16 * g;
          acc[j][g % kA] = _mm256_fmadd_ps(w0, _mm256_loadu_ps(xg), acc[j][g % kA]);
          acc[j][g % kA] = _mm256_fmadd_ps(w1, _mm256_loadu_ps(xg + 8), acc[j][g % kA]);
        }
      }
    }
  }
  for (int j = 0; j < NX; ++j)
    out[j] = hsum(_mm256_add_ps(_mm256_add_ps(acc[j][0], acc[j][1]), _mm256_add_ps(acc[j][2], acc[j][3])));
}

void dequant_q6_kp(const void* src, float* dst, int64_t n) {
  const auto* p = static_cast<const uint8_t*>(src);
  const int64_t ns = n / kN;
  alignas(32) float mul[kQ6KGroups], off[kQ6KGroups];
  for (int64_t s = 0; s < ns; ++s) {
    q6kp_params(p, ns, s, 1, mul, off);
    const uint8_t* qs = p + kQ6KScaleBytes * ns + kQ6KQuantBytes * s;
    for (int h = 0; h < 2; ++h) {
      __m256i v[3];
      for (int c = 0; c < 3; ++c) v[c] = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(qs + 64 * c + 32 * h));
#pragma GCC unroll 16
    for (int g = 0; g < kQ6KGroups; ++g) {
        const int shift = g < 15 ? 6 * (g % 5) : 0;
        const __m256i centred = _mm256_sub_epi32(q6kp_group(v, g), _mm256_set1_epi32(32 << shift));
        _mm256_storeu_ps(dst + kN * s + 16 * g + 8 * h, _mm256_mul_ps(to_float(centred), _mm256_set1_ps(mul[g])));
      }
    }
  }
}

// ---------------- the DotMultiFn driver: one row at a time against all vectors ----------------

template <void (*K1)(const uint8_t*, const float*, int64_t, float*, int64_t),
          void (*K2)(const uint8_t*, const float*, int64_t, float*, int64_t),
          void (*K3)(const uint8_t*, const float*, int64_t, float*, int64_t),
          void (*K4)(const uint8_t*, const float*, int64_t, float*, int64_t),
          void (*K5)(const uint8_t*, const float*, int64_t, float*, int64_t),
          void (*K6)(const uint8_t*, const float*, int64_t, float*, int64_t),
          void (*K7)(const uint8_t*, const float*, int64_t, float*, int64_t),
          void (*K8)(const uint8_t*, const float*, int64_t, float*, int64_t)>
void dot_multi(const void* w, size_t row_stride, int64_t n_rows, const float* x, int64_t x_stride, int64_t n_x,
               float* y, int64_t y_stride, int64_t n) {
  const auto* base = static_cast<const uint8_t*>(w);
  float out[kMaxDotVectors];
  for (int64_t r = 0; r < n_rows; ++r) {
    const uint8_t* row = base + r * row_stride;
    switch (n_x) {
      case 1: K1(row, x, x_stride, out, n); break;
      case 2: K2(row, x, x_stride, out, n); break;
      case 3: K3(row, x, x_stride, out, n); break;
      case 4: K4(row, x, x_stride, out, n); break;
      case 5: K5(row, x, x_stride, out, n); break;
      case 6: K6(row, x, x_stride, out, n); break;
      case 7: K7(row, x, x_stride, out, n); break;
      default: K8(row, x, x_stride, out, n); break;
    }
    for (int64_t j = 0; j < n_x; ++j) y[j * y_stride + r] = out[j];
  }
}

}  // namespace

void register_quant_packed_avx2(KernelTable& t) {
  set_simd_packed_kernels(t, DType::kQ4_0, Isa::kAvx2, dequant_q4_0p,
                          dot_multi<q4_0p_kernel<1>, q4_0p_kernel<2>, q4_0p_kernel<3>, q4_0p_kernel<4>,
                                    q4_0p_kernel<5>, q4_0p_kernel<6>, q4_0p_kernel<7>, q4_0p_kernel<8>>);
  set_simd_packed_kernels(t, DType::kQ4_K, Isa::kAvx2, dequant_q4_kp,
                          dot_multi<q4kp_kernel<1>, q4kp_kernel<2>, q4kp_kernel<3>, q4kp_kernel<4>, q4kp_kernel<5>,
                                    q4kp_kernel<6>, q4kp_kernel<7>, q4kp_kernel<8>>);
  set_simd_packed_kernels(t, DType::kQ6_K, Isa::kAvx2, dequant_q6_kp,
                          dot_multi<q6kp_kernel<1>, q6kp_kernel<2>, q6kp_kernel<3>, q6kp_kernel<4>, q6kp_kernel<5>,
                                    q6kp_kernel<6>, q6kp_kernel<7>, q6kp_kernel<8>>);
}

}  // namespace coreinfer::kernels
