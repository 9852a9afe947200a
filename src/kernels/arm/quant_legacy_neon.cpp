// NEON kernels of the legacy block formats (Q4_0, Q4_1, Q5_0, Q5_1, Q8_0): a block's 32 quants
// are decoded in bytes (nibble masks; the fifth bits spread to bytes with a table lookup and a
// bit test), centred in int8 where the format has an offset, and widened to eight fp32 vectors.
//   symmetric (w = d * q):      dot accumulates d * sum(q * x) per block;
//   with minimum (w = d*q + m): dot accumulates fma(q, d, m) * x.
// The decoders repeat the scalar arithmetic (a rounded product, then the add), so they match it
// bit for bit.
#include <cstring>

#include "kernels/arm/quant_arm.h"
#include "kernels/quant/blocks.h"

namespace coreinfer::kernels {
namespace {

using namespace neon;

constexpr int kB = kLegacyBlockSize;

// A block's quants as fp32, element 4 k + i in lane i of v[k].
struct Quants {
  float32x4_t v[8];
};

// Low nibbles are elements 0..15, high nibbles 16..31.
[[gnu::always_inline]] inline void nibbles(const uint8_t* qs, uint8x16_t* lo, uint8x16_t* hi) {
  const uint8x16_t q = vld1q_u8(qs);
  *lo = vandq_u8(q, vdupq_n_u8(0xF));
  *hi = vshrq_n_u8(q, 4);
}

// Adds 16 to element e when bit e of the little-endian qh is set.
[[gnu::always_inline]] inline void add_fifth_bits(const uint8_t* qh, uint8x16_t* lo, uint8x16_t* hi) {
  uint32_t bits;
  std::memcpy(&bits, qh, sizeof bits);
  const uint8x16_t all = vreinterpretq_u8_u32(vdupq_n_u32(bits));
  const uint8x16_t idx_lo = {0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1};
  const uint8x16_t idx_hi = {2, 2, 2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3};
  const uint8x16_t bit = {1, 2, 4, 8, 16, 32, 64, 128, 1, 2, 4, 8, 16, 32, 64, 128};
  const uint8x16_t sixteen = vdupq_n_u8(16);
  *lo = vorrq_u8(*lo, vandq_u8(vtstq_u8(vqtbl1q_u8(all, idx_lo), bit), sixteen));
  *hi = vorrq_u8(*hi, vandq_u8(vtstq_u8(vqtbl1q_u8(all, idx_hi), bit), sixteen));
}

[[gnu::always_inline]] inline Quants signed_quants(int8x16_t lo, int8x16_t hi) {
  Quants q;
  s8_to_f32(lo, q.v);
  s8_to_f32(hi, q.v + 4);
  return q;
}
[[gnu::always_inline]] inline Quants unsigned_quants(uint8x16_t lo, uint8x16_t hi) {
  Quants q;
  u8_to_f32(lo, q.v);
  u8_to_f32(hi, q.v + 4);
  return q;
}
[[gnu::always_inline]] inline Quants centred(uint8x16_t lo, uint8x16_t hi, uint8_t by) {
  const int8x16_t o = vdupq_n_s8(static_cast<int8_t>(by));
  return signed_quants(vsubq_s8(vreinterpretq_s8_u8(lo), o), vsubq_s8(vreinterpretq_s8_u8(hi), o));
}

[[gnu::always_inline]] inline Quants decode_q4_0(const BlockQ4_0& b) {
  uint8x16_t lo, hi;
  nibbles(b.qs, &lo, &hi);
  return centred(lo, hi, 8);
}
[[gnu::always_inline]] inline Quants decode_q4_1(const BlockQ4_1& b) {
  uint8x16_t lo, hi;
  nibbles(b.qs, &lo, &hi);
  return unsigned_quants(lo, hi);
}
[[gnu::always_inline]] inline Quants decode_q5_0(const BlockQ5_0& b) {
  uint8x16_t lo, hi;
  nibbles(b.qs, &lo, &hi);
  add_fifth_bits(b.qh, &lo, &hi);
  return centred(lo, hi, 16);
}
[[gnu::always_inline]] inline Quants decode_q5_1(const BlockQ5_1& b) {
  uint8x16_t lo, hi;
  nibbles(b.qs, &lo, &hi);
  add_fifth_bits(b.qh, &lo, &hi);
  return unsigned_quants(lo, hi);
}
[[gnu::always_inline]] inline Quants decode_q8_0(const BlockQ8_0& b) {
  return signed_quants(vld1q_s8(b.qs), vld1q_s8(b.qs + 16));
}

// acc + d * sum(q * x) of one block.
template <typename Block, Quants (*Decode)(const Block&)>
[[gnu::always_inline]] inline float32x4_t add_block(const Block& b, const float* x, float32x4_t acc) {
  const Quants q = Decode(b);
  const float32x4_t p = vaddq_f32(dot16(q.v, x), dot16(q.v + 4, x + 16));
  return vfmaq_n_f32(acc, p, half_to_float(b.d));
}

template <typename Block, Quants (*Decode)(const Block&)>
float dot_symmetric(const void* w, const float* x, int64_t n) {
  const auto* blocks = static_cast<const Block*>(w);
  const int64_t nb = n / kB;
  float32x4_t a0 = vdupq_n_f32(0.0f), a1 = a0, a2 = a0, a3 = a0;  // named: see quant_float_neon.cpp
  int64_t i = 0;
  for (; i + 4 <= nb; i += 4) {
    a0 = add_block<Block, Decode>(blocks[i], x + i * kB, a0);
    a1 = add_block<Block, Decode>(blocks[i + 1], x + (i + 1) * kB, a1);
    a2 = add_block<Block, Decode>(blocks[i + 2], x + (i + 2) * kB, a2);
    a3 = add_block<Block, Decode>(blocks[i + 3], x + (i + 3) * kB, a3);
  }
  for (; i < nb; ++i) a0 = add_block<Block, Decode>(blocks[i], x + i * kB, a0);
  return vaddvq_f32(vaddq_f32(vaddq_f32(a0, a1), vaddq_f32(a2, a3)));
}

template <typename Block, Quants (*Decode)(const Block&)>
float dot_with_min(const void* w, const float* x, int64_t n) {
  const auto* blocks = static_cast<const Block*>(w);
  float32x4_t acc[4] = {vdupq_n_f32(0.0f), vdupq_n_f32(0.0f), vdupq_n_f32(0.0f), vdupq_n_f32(0.0f)};
  for (int64_t i = 0; i < n / kB; ++i) {
    const float d = half_to_float(blocks[i].d);
    const float32x4_t m = vdupq_n_f32(half_to_float(blocks[i].m));
    const Quants q = Decode(blocks[i]);
    const float* xb = x + i * kB;
    for (int k = 0; k < 8; ++k) acc[k % 4] = vfmaq_f32(acc[k % 4], vfmaq_n_f32(m, q.v[k], d), vld1q_f32(xb + 4 * k));
  }
  return vaddvq_f32(sum4(acc));
}

template <typename Block, Quants (*Decode)(const Block&)>
void dequant_symmetric(const void* src, float* dst, int64_t n) {
  const auto* blocks = static_cast<const Block*>(src);
  for (int64_t i = 0; i < n / kB; ++i) {
    const float32x4_t d = vdupq_n_f32(half_to_float(blocks[i].d));
    const Quants q = Decode(blocks[i]);
    for (int k = 0; k < 8; ++k) vst1q_f32(dst + i * kB + 4 * k, vmulq_f32(q.v[k], d));
  }
}

template <typename Block, Quants (*Decode)(const Block&)>
void dequant_with_min(const void* src, float* dst, int64_t n) {
  const auto* blocks = static_cast<const Block*>(src);
  for (int64_t i = 0; i < n / kB; ++i) {
    const float32x4_t d = vdupq_n_f32(half_to_float(blocks[i].d));
    const float32x4_t m = vdupq_n_f32(half_to_float(blocks[i].m));
    const Quants q = Decode(blocks[i]);
    for (int k = 0; k < 8; ++k) vst1q_f32(dst + i * kB + 4 * k, vaddq_f32(mul_rounded(q.v[k], d), m));
  }
}

}  // namespace

void register_quant_legacy_neon(KernelTable& t) {
  set_simd_weight_kernels<dot_symmetric<BlockQ4_0, decode_q4_0>>(t, DType::kQ4_0, Isa::kNeon,
      dequant_symmetric<BlockQ4_0, decode_q4_0>);
  set_simd_weight_kernels<dot_symmetric<BlockQ5_0, decode_q5_0>>(t, DType::kQ5_0, Isa::kNeon,
      dequant_symmetric<BlockQ5_0, decode_q5_0>);
  set_simd_weight_kernels<dot_symmetric<BlockQ8_0, decode_q8_0>>(t, DType::kQ8_0, Isa::kNeon,
      dequant_symmetric<BlockQ8_0, decode_q8_0>);
  set_simd_weight_kernels<dot_with_min<BlockQ4_1, decode_q4_1>>(t, DType::kQ4_1, Isa::kNeon,
      dequant_with_min<BlockQ4_1, decode_q4_1>);
  set_simd_weight_kernels<dot_with_min<BlockQ5_1, decode_q5_1>>(t, DType::kQ5_1, Isa::kNeon,
      dequant_with_min<BlockQ5_1, decode_q5_1>);
}

}  // namespace coreinfer::kernels
