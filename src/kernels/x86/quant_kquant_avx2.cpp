// AVX2 kernels of the K-quant formats (Q2_K, Q3_K, Q4_K, Q5_K, Q6_K).
//
// Quants are widened straight from memory, 8 bytes to 8 int32 lanes, and every field that
// shares those bytes (the two nibbles, the four 2-bit fields, the high-bit planes) is cut out
// of the same vector with shifts and masks. Sub-block scales are decoded once per super-block
// into small fp32 tables (one vector multiply), exactly as the scalar kernels compute them.
//   symmetric (Q3_K, Q6_K, w = s * q): dot accumulates (q * s) * x;
//   with minimum (Q2_K, Q4_K, Q5_K, w = s * q - m): dot accumulates fmsub(q, s, m) * x.
// The decoders use separate multiply and subtract, like the scalar code, so they match it bit
// for bit; the dot products use FMA.
#include "kernels/quant/blocks.h"
#include "kernels/x86/quant_x86.h"
#include "kernels/x86/simd_avx2.h"

namespace coreinfer::kernels {
namespace {

using namespace avx2;

constexpr int kN = kSuperBlockSize;
constexpr int kSubBlocks16 = kN / 16;

[[gnu::always_inline]] inline __m256 sum4(const __m256* acc) {
  return _mm256_add_ps(_mm256_add_ps(acc[0], acc[1]), _mm256_add_ps(acc[2], acc[3]));
}

// ---------------- Q2_K: 2-bit quants, 4-bit scale and min per 16 ----------------

struct ScaleOffset16 {
  float scale[kSubBlocks16], offset[kSubBlocks16];
};

[[gnu::always_inline]] inline ScaleOffset16 q2k_params(const BlockQ2_K& b) {
  const __m256 d = _mm256_set1_ps(half_to_float(b.d)), dmin = _mm256_set1_ps(half_to_float(b.dmin));
  ScaleOffset16 p;
  for (int k = 0; k < 2; ++k) {
    const __m256i packed = load_u8x8(b.scales + 8 * k);
    _mm256_storeu_ps(p.scale + 8 * k, _mm256_mul_ps(to_float(_mm256_and_si256(packed, _mm256_set1_epi32(0xF))), d));
    _mm256_storeu_ps(p.offset + 8 * k, _mm256_mul_ps(to_float(_mm256_srli_epi32(packed, 4)), dmin));
  }
  return p;
}

// Elements 128 h + 32 j + 8 g .. + 7 in q[j] (j < 4), from bytes qs[32 h + 8 g ..].
[[gnu::always_inline]] inline void q2k_group(const BlockQ2_K& b, int h, int g, __m256i* q) {
  const __m256i v = load_u8x8(b.qs + 32 * h + 8 * g);
  const __m256i three = _mm256_set1_epi32(3);
  for (int j = 0; j < 4; ++j) q[j] = _mm256_and_si256(_mm256_srli_epi32(v, 2 * j), three);
}

float dot_q2_k(const void* w, const float* x, int64_t n) {
  const auto* blocks = static_cast<const BlockQ2_K*>(w);
  __m256 acc[4] = {_mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps()};
  for (int64_t i = 0; i < n / kN; ++i) {
    const ScaleOffset16 p = q2k_params(blocks[i]);
    const float* xb = x + i * kN;
    for (int h = 0; h < 2; ++h) {
      for (int g = 0; g < 4; ++g) {
        __m256i q[4];
        q2k_group(blocks[i], h, g, q);
        for (int j = 0; j < 4; ++j) {
          const int s = 8 * h + 2 * j + g / 2;
          const __m256 weight = _mm256_fmsub_ps(to_float(q[j]), _mm256_set1_ps(p.scale[s]), _mm256_set1_ps(p.offset[s]));
          acc[j] = _mm256_fmadd_ps(weight, _mm256_loadu_ps(xb + 128 * h + 32 * j + 8 * g), acc[j]);
        }
      }
    }
  }
  return hsum(sum4(acc));
}

void dequant_q2_k(const void* src, float* dst, int64_t n) {
  const auto* blocks = static_cast<const BlockQ2_K*>(src);
  for (int64_t i = 0; i < n / kN; ++i) {
    const ScaleOffset16 p = q2k_params(blocks[i]);
    float* yb = dst + i * kN;
    for (int h = 0; h < 2; ++h) {
      for (int g = 0; g < 4; ++g) {
        __m256i q[4];
        q2k_group(blocks[i], h, g, q);
        for (int j = 0; j < 4; ++j) {
          const int s = 8 * h + 2 * j + g / 2;
          const __m256 scaled = _mm256_mul_ps(to_float(q[j]), _mm256_set1_ps(p.scale[s]));
          _mm256_storeu_ps(yb + 128 * h + 32 * j + 8 * g, _mm256_sub_ps(scaled, _mm256_set1_ps(p.offset[s])));
        }
      }
    }
  }
}

// ---------------- Q3_K and Q6_K: signed quants, one scale per 16 ----------------

struct Scale16 {
  float scale[kSubBlocks16];
};

[[gnu::always_inline]] inline Scale16 q3k_params(const BlockQ3_K& b) {
  const __m256 d = _mm256_set1_ps(half_to_float(b.d));
  uint8_t biased[kSubBlocks16];
  q3k_biased_scales(b.scales, biased);
  Scale16 p;
  for (int k = 0; k < 2; ++k) {
    const __m256i scale = _mm256_sub_epi32(load_u8x8(biased + 8 * k), _mm256_set1_epi32(32));
    _mm256_storeu_ps(p.scale + 8 * k, _mm256_mul_ps(to_float(scale), d));
  }
  return p;
}

[[gnu::always_inline]] inline Scale16 q6k_params(const BlockQ6_K& b) {
  const __m256 d = _mm256_set1_ps(half_to_float(b.d));
  Scale16 p;
  for (int k = 0; k < 2; ++k) _mm256_storeu_ps(p.scale + 8 * k, _mm256_mul_ps(to_float(load_i8x8(b.scales + 8 * k)), d));
  return p;
}

// Elements 128 h + 32 j + 8 g .. + 7 in q[j]: 2 low bits from qs, third bit from hmask
// (bit 4 h + j of hmask[8 g ..]); value = low + 4 * bit - 4.
[[gnu::always_inline]] inline void q3k_group(const BlockQ3_K& b, int h, int g, __m256i* q) {
  const __m256i v = load_u8x8(b.qs + 32 * h + 8 * g);
  const __m256i high = _mm256_srli_epi32(load_u8x8(b.hmask + 8 * g), 4 * h);
  const __m256i three = _mm256_set1_epi32(3), four = _mm256_set1_epi32(4);
  for (int j = 0; j < 4; ++j) {
    const __m256i low = _mm256_and_si256(_mm256_srli_epi32(v, 2 * j), three);
    const __m256i bit = _mm256_and_si256(_mm256_slli_epi32(_mm256_srli_epi32(high, j), 2), four);
    q[j] = _mm256_sub_epi32(_mm256_or_si256(low, bit), four);
  }
}

// Elements 128 h + 32 j + 8 g .. + 7 in q[j]: nibbles from ql[64 h + 8 g ..] (j = 0 low,
// j = 2 high) and ql[64 h + 32 + 8 g ..] (j = 1, 3), 2 high bits j from qh[32 h + 8 g ..]; minus 32.
[[gnu::always_inline]] inline void q6k_group(const BlockQ6_K& b, int h, int g, __m256i* q) {
  const __m256i a = load_u8x8(b.ql + 64 * h + 8 * g);
  const __m256i c = load_u8x8(b.ql + 64 * h + 32 + 8 * g);
  const __m256i hb = load_u8x8(b.qh + 32 * h + 8 * g);
  const __m256i low4 = _mm256_set1_epi32(0xF), top2 = _mm256_set1_epi32(0x30), bias = _mm256_set1_epi32(32);
  q[0] = _mm256_or_si256(_mm256_and_si256(a, low4), _mm256_and_si256(_mm256_slli_epi32(hb, 4), top2));
  q[1] = _mm256_or_si256(_mm256_and_si256(c, low4), _mm256_and_si256(_mm256_slli_epi32(hb, 2), top2));
  q[2] = _mm256_or_si256(_mm256_srli_epi32(a, 4), _mm256_and_si256(hb, top2));
  q[3] = _mm256_or_si256(_mm256_srli_epi32(c, 4), _mm256_and_si256(_mm256_srli_epi32(hb, 2), top2));
  for (int j = 0; j < 4; ++j) q[j] = _mm256_sub_epi32(q[j], bias);
}

template <typename Block, Scale16 (*Params)(const Block&), void (*Group)(const Block&, int, int, __m256i*)>
float dot_symmetric(const void* w, const float* x, int64_t n) {
  const auto* blocks = static_cast<const Block*>(w);
  __m256 acc[4] = {_mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps()};
  for (int64_t i = 0; i < n / kN; ++i) {
    const Scale16 p = Params(blocks[i]);
    const float* xb = x + i * kN;
    for (int h = 0; h < 2; ++h) {
      for (int g = 0; g < 4; ++g) {
        __m256i q[4];
        Group(blocks[i], h, g, q);
        for (int j = 0; j < 4; ++j) {
          const __m256 weight = _mm256_mul_ps(to_float(q[j]), _mm256_set1_ps(p.scale[8 * h + 2 * j + g / 2]));
          acc[j] = _mm256_fmadd_ps(weight, _mm256_loadu_ps(xb + 128 * h + 32 * j + 8 * g), acc[j]);
        }
      }
    }
  }
  return hsum(sum4(acc));
}

template <typename Block, Scale16 (*Params)(const Block&), void (*Group)(const Block&, int, int, __m256i*)>
void dequant_symmetric(const void* src, float* dst, int64_t n) {
  const auto* blocks = static_cast<const Block*>(src);
  for (int64_t i = 0; i < n / kN; ++i) {
    const Scale16 p = Params(blocks[i]);
    float* yb = dst + i * kN;
    for (int h = 0; h < 2; ++h) {
      for (int g = 0; g < 4; ++g) {
        __m256i q[4];
        Group(blocks[i], h, g, q);
        for (int j = 0; j < 4; ++j) {
          const __m256 scale = _mm256_set1_ps(p.scale[8 * h + 2 * j + g / 2]);
          _mm256_storeu_ps(yb + 128 * h + 32 * j + 8 * g, _mm256_mul_ps(to_float(q[j]), scale));
        }
      }
    }
  }
}

// ---------------- Q4_K and Q5_K: 4 (+1) bit quants, 6-bit scale and min per 32 ----------------

struct ScaleOffset8 {
  float scale[8], offset[8];
};

template <typename Block>
[[gnu::always_inline]] inline ScaleOffset8 q4k_params(const Block& b) {
  uint8_t scales[8], mins[8];
  q4k_scales_mins(b.scales, scales, mins);
  ScaleOffset8 p;
  _mm256_storeu_ps(p.scale, _mm256_mul_ps(to_float(load_u8x8(scales)), _mm256_set1_ps(half_to_float(b.d))));
  _mm256_storeu_ps(p.offset, _mm256_mul_ps(to_float(load_u8x8(mins)), _mm256_set1_ps(half_to_float(b.dmin))));
  return p;
}

// Elements 64 c + 8 g .. + 7 (lo, sub-block 2 c) and 64 c + 32 + 8 g .. + 7 (hi, sub-block
// 2 c + 1) from bytes qs[32 c + 8 g ..]; Q5_K adds 16 for bit 2 c / 2 c + 1 of qh[8 g ..].
template <typename Block, bool kFifthBit>
[[gnu::always_inline]] inline void q4k_group(const Block& b, int c, int g, __m256i* lo, __m256i* hi) {
  const __m256i v = load_u8x8(b.qs + 32 * c + 8 * g);
  *lo = _mm256_and_si256(v, _mm256_set1_epi32(0xF));
  *hi = _mm256_srli_epi32(v, 4);
  if constexpr (kFifthBit) {
    const __m256i bits = _mm256_srli_epi32(load_u8x8(b.qh + 8 * g), 2 * c);
    const __m256i sixteen = _mm256_set1_epi32(16);
    *lo = _mm256_or_si256(*lo, _mm256_and_si256(_mm256_slli_epi32(bits, 4), sixteen));
    *hi = _mm256_or_si256(*hi, _mm256_and_si256(_mm256_slli_epi32(bits, 3), sixteen));
  }
}

template <typename Block, bool kFifthBit>
float dot_q4k_family(const void* w, const float* x, int64_t n) {
  const auto* blocks = static_cast<const Block*>(w);
  __m256 acc[4] = {_mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps()};
  for (int64_t i = 0; i < n / kN; ++i) {
    const ScaleOffset8 p = q4k_params(blocks[i]);
    const float* xb = x + i * kN;
    for (int c = 0; c < 4; ++c) {
      const __m256 s_lo = _mm256_set1_ps(p.scale[2 * c]), m_lo = _mm256_set1_ps(p.offset[2 * c]);
      const __m256 s_hi = _mm256_set1_ps(p.scale[2 * c + 1]), m_hi = _mm256_set1_ps(p.offset[2 * c + 1]);
      for (int g = 0; g < 4; ++g) {
        __m256i lo, hi;
        q4k_group<Block, kFifthBit>(blocks[i], c, g, &lo, &hi);
        const float* xg = xb + 64 * c + 8 * g;
        acc[g] = _mm256_fmadd_ps(_mm256_fmsub_ps(to_float(lo), s_lo, m_lo), _mm256_loadu_ps(xg), acc[g]);
        acc[g] = _mm256_fmadd_ps(_mm256_fmsub_ps(to_float(hi), s_hi, m_hi), _mm256_loadu_ps(xg + 32), acc[g]);
      }
    }
  }
  return hsum(sum4(acc));
}

template <typename Block, bool kFifthBit>
void dequant_q4k_family(const void* src, float* dst, int64_t n) {
  const auto* blocks = static_cast<const Block*>(src);
  for (int64_t i = 0; i < n / kN; ++i) {
    const ScaleOffset8 p = q4k_params(blocks[i]);
    float* yb = dst + i * kN;
    for (int c = 0; c < 4; ++c) {
      const __m256 s_lo = _mm256_set1_ps(p.scale[2 * c]), m_lo = _mm256_set1_ps(p.offset[2 * c]);
      const __m256 s_hi = _mm256_set1_ps(p.scale[2 * c + 1]), m_hi = _mm256_set1_ps(p.offset[2 * c + 1]);
      for (int g = 0; g < 4; ++g) {
        __m256i lo, hi;
        q4k_group<Block, kFifthBit>(blocks[i], c, g, &lo, &hi);
        float* yg = yb + 64 * c + 8 * g;
        _mm256_storeu_ps(yg, _mm256_sub_ps(_mm256_mul_ps(to_float(lo), s_lo), m_lo));
        _mm256_storeu_ps(yg + 32, _mm256_sub_ps(_mm256_mul_ps(to_float(hi), s_hi), m_hi));
      }
    }
  }
}

}  // namespace

void register_quant_kquant_avx2(KernelTable& t) {
  set_simd_weight_kernels<dot_q2_k>(t, DType::kQ2_K, Isa::kAvx2, dequant_q2_k);
  set_simd_weight_kernels<dot_symmetric<BlockQ3_K, q3k_params, q3k_group>>(t, DType::kQ3_K, Isa::kAvx2,
      dequant_symmetric<BlockQ3_K, q3k_params, q3k_group>);
  set_simd_weight_kernels<dot_q4k_family<BlockQ4_K, false>>(t, DType::kQ4_K, Isa::kAvx2,
      dequant_q4k_family<BlockQ4_K, false>);
  set_simd_weight_kernels<dot_q4k_family<BlockQ5_K, true>>(t, DType::kQ5_K, Isa::kAvx2,
      dequant_q4k_family<BlockQ5_K, true>);
  set_simd_weight_kernels<dot_symmetric<BlockQ6_K, q6k_params, q6k_group>>(t, DType::kQ6_K, Isa::kAvx2,
      dequant_symmetric<BlockQ6_K, q6k_params, q6k_group>);
}

}  // namespace coreinfer::kernels
