// AVX-512 kernels of the K-quant formats (Q2_K, Q3_K, Q4_K, Q5_K, Q6_K).
//
// Quants are widened straight from memory, 16 bytes to 16 int32 lanes; every field that shares
// those bytes (two nibbles, four 2-bit fields) is cut out of the same vector, and the single
// high bits (Q3_K hmask, Q5_K qh) become lane masks with one byte test. A group of 16 lanes
// never straddles a sub-block, so each group has one scale (and min).
//   symmetric (Q3_K, Q6_K, w = s * q): dot accumulates (q * s) * x;
//   with minimum (Q2_K, Q4_K, Q5_K, w = s * q - m): dot accumulates fmsub(q, s, m) * x.
// The decoders use separate multiply and subtract, like the scalar code, so they match it bit
// for bit; the dot products use FMA.
#include "kernels/quant/blocks.h"
#include "kernels/x86/quant_x86.h"
#include "kernels/x86/simd_avx512.h"

namespace coreinfer::kernels {
namespace {

using namespace avx512;

constexpr int kN = kSuperBlockSize;
constexpr int kSubBlocks16 = kN / 16;

[[gnu::always_inline]] inline float sum4(const __m512* acc) {
  return _mm512_reduce_add_ps(_mm512_add_ps(_mm512_add_ps(acc[0], acc[1]), _mm512_add_ps(acc[2], acc[3])));
}

// Lanes whose byte in `bytes` (16 bytes) has `bit` set.
[[gnu::always_inline]] inline __mmask16 bit_lanes(__m128i bytes, int bit) { return _mm_test_epi8_mask(bytes, _mm_set1_epi8(static_cast<char>(1 << bit))); }
[[gnu::always_inline]] inline __m128i load_bytes16(const uint8_t* p) { return _mm_loadu_si128(reinterpret_cast<const __m128i*>(p)); }

// ---------------- Q2_K, Q3_K, Q6_K: 16 sub-blocks of 16 ----------------
// Their quants come in the same order: group (h, g) of bytes yields elements
// 128 h + 32 j + 16 g .. + 15 for j < 4, which is sub-block 8 h + 2 j + g.

struct Params16 {
  float scale[kSubBlocks16], offset[kSubBlocks16];  // offset: Q2_K only
};

[[gnu::always_inline]] inline Params16 q2k_params(const BlockQ2_K& b) {
  const __m512i packed = load_u8x16(b.scales);
  Params16 p;
  _mm512_storeu_ps(p.scale, _mm512_mul_ps(to_float(_mm512_and_si512(packed, _mm512_set1_epi32(0xF))),
                                          _mm512_set1_ps(half_to_float(b.d))));
  _mm512_storeu_ps(p.offset, _mm512_mul_ps(to_float(_mm512_srli_epi32(packed, 4)), _mm512_set1_ps(half_to_float(b.dmin))));
  return p;
}
[[gnu::always_inline]] inline Params16 q3k_params(const BlockQ3_K& b) {
  uint8_t biased[kSubBlocks16];
  q3k_biased_scales(b.scales, biased);
  const __m512i scale = _mm512_sub_epi32(load_u8x16(biased), _mm512_set1_epi32(32));
  Params16 p;
  _mm512_storeu_ps(p.scale, _mm512_mul_ps(to_float(scale), _mm512_set1_ps(half_to_float(b.d))));
  return p;
}
[[gnu::always_inline]] inline Params16 q6k_params(const BlockQ6_K& b) {
  Params16 p;
  _mm512_storeu_ps(p.scale, _mm512_mul_ps(to_float(load_i8x16(b.scales)), _mm512_set1_ps(half_to_float(b.d))));
  return p;
}

[[gnu::always_inline]] inline void q2k_group(const BlockQ2_K& b, int h, int g, __m512i* q) {
  const __m512i v = load_u8x16(b.qs + 32 * h + 16 * g);
  const __m512i three = _mm512_set1_epi32(3);
  for (int j = 0; j < 4; ++j) q[j] = _mm512_and_si512(_mm512_srli_epi32(v, 2 * j), three);
}

// low 2 bits from qs; when bit 4 h + j of hmask[16 g + lane] is clear, minus 4.
[[gnu::always_inline]] inline void q3k_group(const BlockQ3_K& b, int h, int g, __m512i* q) {
  const __m512i v = load_u8x16(b.qs + 32 * h + 16 * g);
  const __m128i high = load_bytes16(b.hmask + 16 * g);
  const __m512i three = _mm512_set1_epi32(3), four = _mm512_set1_epi32(4);
  for (int j = 0; j < 4; ++j) {
    const __m512i low = _mm512_and_si512(_mm512_srli_epi32(v, 2 * j), three);
    q[j] = _mm512_mask_mov_epi32(_mm512_sub_epi32(low, four), bit_lanes(high, 4 * h + j), low);
  }
}

// Nibbles from ql[64 h + 16 g ..] (j = 0 low, j = 2 high) and ql[64 h + 32 + 16 g ..] (j = 1, 3),
// 2 high bits j from qh[32 h + 16 g ..]; minus 32.
[[gnu::always_inline]] inline void q6k_group(const BlockQ6_K& b, int h, int g, __m512i* q) {
  const __m512i a = load_u8x16(b.ql + 64 * h + 16 * g);
  const __m512i c = load_u8x16(b.ql + 64 * h + 32 + 16 * g);
  const __m512i hb = load_u8x16(b.qh + 32 * h + 16 * g);
  const __m512i low4 = _mm512_set1_epi32(0xF), top2 = _mm512_set1_epi32(0x30), bias = _mm512_set1_epi32(32);
  q[0] = _mm512_or_si512(_mm512_and_si512(a, low4), _mm512_and_si512(_mm512_slli_epi32(hb, 4), top2));
  q[1] = _mm512_or_si512(_mm512_and_si512(c, low4), _mm512_and_si512(_mm512_slli_epi32(hb, 2), top2));
  q[2] = _mm512_or_si512(_mm512_srli_epi32(a, 4), _mm512_and_si512(hb, top2));
  q[3] = _mm512_or_si512(_mm512_srli_epi32(c, 4), _mm512_and_si512(_mm512_srli_epi32(hb, 2), top2));
  for (int j = 0; j < 4; ++j) q[j] = _mm512_sub_epi32(q[j], bias);
}

// kMin: w = s * q - m (Q2_K), else w = s * q.
template <typename Block, bool kMin, Params16 (*Params)(const Block&), void (*Group)(const Block&, int, int, __m512i*)>
float dot_16s(const void* w, const float* x, int64_t n) {
  const auto* blocks = static_cast<const Block*>(w);
  __m512 acc[4] = {_mm512_setzero_ps(), _mm512_setzero_ps(), _mm512_setzero_ps(), _mm512_setzero_ps()};
  for (int64_t i = 0; i < n / kN; ++i) {
    prefetch_ahead<sizeof(Block)>(&blocks[i]);
    const Params16 p = Params(blocks[i]);
    const float* xb = x + i * kN;
    for (int h = 0; h < 2; ++h) {
      for (int g = 0; g < 2; ++g) {
        __m512i q[4];
        Group(blocks[i], h, g, q);
        for (int j = 0; j < 4; ++j) {
          const int s = 8 * h + 2 * j + g;
          const __m512 scale = _mm512_set1_ps(p.scale[s]);
          const __m512 weight = kMin ? _mm512_fmsub_ps(to_float(q[j]), scale, _mm512_set1_ps(p.offset[s]))
                                     : _mm512_mul_ps(to_float(q[j]), scale);
          acc[j] = _mm512_fmadd_ps(weight, _mm512_loadu_ps(xb + 16 * s), acc[j]);
        }
      }
    }
  }
  return sum4(acc);
}

template <typename Block, bool kMin, Params16 (*Params)(const Block&), void (*Group)(const Block&, int, int, __m512i*)>
void dequant_16s(const void* src, float* dst, int64_t n) {
  const auto* blocks = static_cast<const Block*>(src);
  for (int64_t i = 0; i < n / kN; ++i) {
    const Params16 p = Params(blocks[i]);
    float* yb = dst + i * kN;
    for (int h = 0; h < 2; ++h) {
      for (int g = 0; g < 2; ++g) {
        __m512i q[4];
        Group(blocks[i], h, g, q);
        for (int j = 0; j < 4; ++j) {
          const int s = 8 * h + 2 * j + g;
          __m512 y = _mm512_mul_ps(to_float(q[j]), _mm512_set1_ps(p.scale[s]));
          if (kMin) y = _mm512_sub_ps(y, _mm512_set1_ps(p.offset[s]));
          _mm512_storeu_ps(yb + 16 * s, y);
        }
      }
    }
  }
}

// ---------------- Q4_K and Q5_K: 8 sub-blocks of 32 ----------------

struct Params8 {
  float scale[8], offset[8];
};

template <typename Block>
[[gnu::always_inline]] inline Params8 q4k_params(const Block& b) {
  uint8_t scales[8], mins[8];
  q4k_scales_mins(b.scales, scales, mins);
  const auto widen = [](const uint8_t* bytes) {
    return _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(bytes))));
  };
  Params8 p;
  _mm256_storeu_ps(p.scale, _mm256_mul_ps(widen(scales), _mm256_set1_ps(half_to_float(b.d))));
  _mm256_storeu_ps(p.offset, _mm256_mul_ps(widen(mins), _mm256_set1_ps(half_to_float(b.dmin))));
  return p;
}

// Elements 64 c + 16 g .. + 15 (lo, sub-block 2 c) and 64 c + 32 + 16 g .. (hi, sub-block
// 2 c + 1) from bytes qs[32 c + 16 g ..]; Q5_K adds 16 for bit 2 c / 2 c + 1 of qh[16 g ..].
template <typename Block, bool kFifthBit>
[[gnu::always_inline]] inline void q4k_group(const Block& b, int c, int g, __m512i* lo, __m512i* hi) {
  const __m512i v = load_u8x16(b.qs + 32 * c + 16 * g);
  *lo = _mm512_and_si512(v, _mm512_set1_epi32(0xF));
  *hi = _mm512_srli_epi32(v, 4);
  if constexpr (kFifthBit) {
    const __m128i bits = load_bytes16(b.qh + 16 * g);
    const __m512i sixteen = _mm512_set1_epi32(16);
    *lo = _mm512_mask_or_epi32(*lo, bit_lanes(bits, 2 * c), *lo, sixteen);
    *hi = _mm512_mask_or_epi32(*hi, bit_lanes(bits, 2 * c + 1), *hi, sixteen);
  }
}

template <typename Block, bool kFifthBit>
float dot_q4k_family(const void* w, const float* x, int64_t n) {
  const auto* blocks = static_cast<const Block*>(w);
  __m512 acc[4] = {_mm512_setzero_ps(), _mm512_setzero_ps(), _mm512_setzero_ps(), _mm512_setzero_ps()};
  for (int64_t i = 0; i < n / kN; ++i) {
    prefetch_ahead<sizeof(Block)>(&blocks[i]);
    const Params8 p = q4k_params(blocks[i]);
    const float* xb = x + i * kN;
    for (int c = 0; c < 4; ++c) {
      const __m512 s_lo = _mm512_set1_ps(p.scale[2 * c]), m_lo = _mm512_set1_ps(p.offset[2 * c]);
      const __m512 s_hi = _mm512_set1_ps(p.scale[2 * c + 1]), m_hi = _mm512_set1_ps(p.offset[2 * c + 1]);
      for (int g = 0; g < 2; ++g) {
        __m512i lo, hi;
        q4k_group<Block, kFifthBit>(blocks[i], c, g, &lo, &hi);
        const float* xg = xb + 64 * c + 16 * g;
        acc[2 * g] = _mm512_fmadd_ps(_mm512_fmsub_ps(to_float(lo), s_lo, m_lo), _mm512_loadu_ps(xg), acc[2 * g]);
        acc[2 * g + 1] =
            _mm512_fmadd_ps(_mm512_fmsub_ps(to_float(hi), s_hi, m_hi), _mm512_loadu_ps(xg + 32), acc[2 * g + 1]);
      }
    }
  }
  return sum4(acc);
}

template <typename Block, bool kFifthBit>
void dequant_q4k_family(const void* src, float* dst, int64_t n) {
  const auto* blocks = static_cast<const Block*>(src);
  for (int64_t i = 0; i < n / kN; ++i) {
    const Params8 p = q4k_params(blocks[i]);
    float* yb = dst + i * kN;
    for (int c = 0; c < 4; ++c) {
      const __m512 s_lo = _mm512_set1_ps(p.scale[2 * c]), m_lo = _mm512_set1_ps(p.offset[2 * c]);
      const __m512 s_hi = _mm512_set1_ps(p.scale[2 * c + 1]), m_hi = _mm512_set1_ps(p.offset[2 * c + 1]);
      for (int g = 0; g < 2; ++g) {
        __m512i lo, hi;
        q4k_group<Block, kFifthBit>(blocks[i], c, g, &lo, &hi);
        float* yg = yb + 64 * c + 16 * g;
        _mm512_storeu_ps(yg, _mm512_sub_ps(_mm512_mul_ps(to_float(lo), s_lo), m_lo));
        _mm512_storeu_ps(yg + 32, _mm512_sub_ps(_mm512_mul_ps(to_float(hi), s_hi), m_hi));
      }
    }
  }
}

}  // namespace

void register_quant_kquant_avx512(KernelTable& t) {
  set_simd_weight_kernels<dot_16s<BlockQ2_K, true, q2k_params, q2k_group>>(t, DType::kQ2_K, Isa::kAvx512,
      dequant_16s<BlockQ2_K, true, q2k_params, q2k_group>);
  set_simd_weight_kernels<dot_16s<BlockQ3_K, false, q3k_params, q3k_group>>(t, DType::kQ3_K, Isa::kAvx512,
      dequant_16s<BlockQ3_K, false, q3k_params, q3k_group>);
  set_simd_weight_kernels<dot_q4k_family<BlockQ4_K, false>>(t, DType::kQ4_K, Isa::kAvx512,
      dequant_q4k_family<BlockQ4_K, false>);
  set_simd_weight_kernels<dot_q4k_family<BlockQ5_K, true>>(t, DType::kQ5_K, Isa::kAvx512,
      dequant_q4k_family<BlockQ5_K, true>);
  set_simd_weight_kernels<dot_16s<BlockQ6_K, false, q6k_params, q6k_group>>(t, DType::kQ6_K, Isa::kAvx512,
      dequant_16s<BlockQ6_K, false, q6k_params, q6k_group>);
}

}  // namespace coreinfer::kernels
