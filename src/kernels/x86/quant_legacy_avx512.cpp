// AVX-512 kernels of the legacy block formats (Q4_0, Q4_1, Q5_0, Q5_1, Q8_0): a block's 32
// quants are two vectors of 16 int32 (for the 4- and 5-bit formats both come from one 16-byte
// load: low nibbles are elements 0..15, high nibbles 16..31; the fifth bits are lane masks).
//   symmetric (w = d * q):      dot accumulates d * sum(q * x) per block;
//   with minimum (w = d*q + m): dot accumulates fma(q, d, m) * x.
// The decoders repeat the scalar arithmetic (no FMA), so they match it bit for bit.
#include <cstring>

#include "kernels/quant/blocks.h"
#include "kernels/x86/quant_x86.h"
#include "kernels/x86/simd_avx512.h"

namespace coreinfer::kernels {
namespace {

using namespace avx512;

// A block's quants: elements 0..15 in lo, 16..31 in hi.
struct Quants {
  __m512i lo, hi;
};

[[gnu::always_inline]] inline Quants nibbles(const uint8_t* qs) {
  const __m512i bytes = load_u8x16(qs);
  return {_mm512_and_si512(bytes, _mm512_set1_epi32(0xF)), _mm512_srli_epi32(bytes, 4)};
}

// Adds 16 to element e when bit e of the little-endian qh is set.
[[gnu::always_inline]] inline Quants add_fifth_bits(Quants q, const uint8_t* qh) {
  uint32_t bits;
  std::memcpy(&bits, qh, sizeof bits);
  const __m512i sixteen = _mm512_set1_epi32(16);
  q.lo = _mm512_mask_or_epi32(q.lo, static_cast<__mmask16>(bits), q.lo, sixteen);
  q.hi = _mm512_mask_or_epi32(q.hi, static_cast<__mmask16>(bits >> 16), q.hi, sixteen);
  return q;
}

[[gnu::always_inline]] inline Quants offset(Quants q, int by) {
  const __m512i o = _mm512_set1_epi32(by);
  return {_mm512_sub_epi32(q.lo, o), _mm512_sub_epi32(q.hi, o)};
}

[[gnu::always_inline]] inline Quants decode_q4_0(const BlockQ4_0& b) { return offset(nibbles(b.qs), 8); }
[[gnu::always_inline]] inline Quants decode_q4_1(const BlockQ4_1& b) { return nibbles(b.qs); }
[[gnu::always_inline]] inline Quants decode_q5_0(const BlockQ5_0& b) {
  return offset(add_fifth_bits(nibbles(b.qs), b.qh), 16);
}
[[gnu::always_inline]] inline Quants decode_q5_1(const BlockQ5_1& b) { return add_fifth_bits(nibbles(b.qs), b.qh); }
[[gnu::always_inline]] inline Quants decode_q8_0(const BlockQ8_0& b) { return {load_i8x16(b.qs), load_i8x16(b.qs + 16)}; }

// acc + d * sum(q * x) of one block.
template <typename Block, Quants (*Decode)(const Block&)>
[[gnu::always_inline]] inline __m512 add_block(const Block& b, const float* x, __m512 acc) {
  const Quants q = Decode(b);
  const __m512 part =
      _mm512_fmadd_ps(to_float(q.hi), _mm512_loadu_ps(x + 16), _mm512_mul_ps(to_float(q.lo), _mm512_loadu_ps(x)));
  return _mm512_fmadd_ps(_mm512_set1_ps(half_to_float(b.d)), part, acc);
}

template <typename Block, Quants (*Decode)(const Block&)>
float dot_symmetric(const void* w, const float* x, int64_t n) {
  const auto* blocks = static_cast<const Block*>(w);
  const int64_t nb = n / kLegacyBlockSize;
  constexpr int kB = kLegacyBlockSize;
  __m512 acc0 = _mm512_setzero_ps(), acc1 = _mm512_setzero_ps();
  __m512 acc2 = _mm512_setzero_ps(), acc3 = _mm512_setzero_ps();
  int64_t i = 0;
  for (; i + 4 <= nb; i += 4) {
    prefetch_ahead<4 * sizeof(Block)>(&blocks[i]);
    acc0 = add_block<Block, Decode>(blocks[i], x + i * kB, acc0);
    acc1 = add_block<Block, Decode>(blocks[i + 1], x + (i + 1) * kB, acc1);
    acc2 = add_block<Block, Decode>(blocks[i + 2], x + (i + 2) * kB, acc2);
    acc3 = add_block<Block, Decode>(blocks[i + 3], x + (i + 3) * kB, acc3);
  }
  for (; i < nb; ++i) acc0 = add_block<Block, Decode>(blocks[i], x + i * kB, acc0);
  return _mm512_reduce_add_ps(_mm512_add_ps(_mm512_add_ps(acc0, acc1), _mm512_add_ps(acc2, acc3)));
}

// Adds the block's two halves, fma(q, d, m) * x, to acc_lo and acc_hi.
template <typename Block, Quants (*Decode)(const Block&)>
[[gnu::always_inline]] inline void add_block_with_min(const Block& b, const float* x, __m512& acc_lo, __m512& acc_hi) {
  const __m512 d = _mm512_set1_ps(half_to_float(b.d));
  const __m512 m = _mm512_set1_ps(half_to_float(b.m));
  const Quants q = Decode(b);
  acc_lo = _mm512_fmadd_ps(_mm512_fmadd_ps(to_float(q.lo), d, m), _mm512_loadu_ps(x), acc_lo);
  acc_hi = _mm512_fmadd_ps(_mm512_fmadd_ps(to_float(q.hi), d, m), _mm512_loadu_ps(x + 16), acc_hi);
}

template <typename Block, Quants (*Decode)(const Block&)>
float dot_with_min(const void* w, const float* x, int64_t n) {
  const auto* blocks = static_cast<const Block*>(w);
  const int64_t nb = n / kLegacyBlockSize;
  constexpr int kB = kLegacyBlockSize;
  __m512 acc0 = _mm512_setzero_ps(), acc1 = _mm512_setzero_ps();
  __m512 acc2 = _mm512_setzero_ps(), acc3 = _mm512_setzero_ps();
  int64_t i = 0;
  for (; i + 2 <= nb; i += 2) {
    prefetch_ahead<2 * sizeof(Block)>(&blocks[i]);
    add_block_with_min<Block, Decode>(blocks[i], x + i * kB, acc0, acc1);
    add_block_with_min<Block, Decode>(blocks[i + 1], x + (i + 1) * kB, acc2, acc3);
  }
  if (i < nb) add_block_with_min<Block, Decode>(blocks[i], x + i * kB, acc0, acc1);
  return _mm512_reduce_add_ps(_mm512_add_ps(_mm512_add_ps(acc0, acc1), _mm512_add_ps(acc2, acc3)));
}

template <typename Block, Quants (*Decode)(const Block&)>
void dequant_symmetric(const void* src, float* dst, int64_t n) {
  const auto* blocks = static_cast<const Block*>(src);
  for (int64_t i = 0; i < n / kLegacyBlockSize; ++i) {
    const __m512 d = _mm512_set1_ps(half_to_float(blocks[i].d));
    const Quants q = Decode(blocks[i]);
    float* yb = dst + i * kLegacyBlockSize;
    _mm512_storeu_ps(yb, _mm512_mul_ps(to_float(q.lo), d));
    _mm512_storeu_ps(yb + 16, _mm512_mul_ps(to_float(q.hi), d));
  }
}

template <typename Block, Quants (*Decode)(const Block&)>
void dequant_with_min(const void* src, float* dst, int64_t n) {
  const auto* blocks = static_cast<const Block*>(src);
  for (int64_t i = 0; i < n / kLegacyBlockSize; ++i) {
    const __m512 d = _mm512_set1_ps(half_to_float(blocks[i].d));
    const __m512 m = _mm512_set1_ps(half_to_float(blocks[i].m));
    const Quants q = Decode(blocks[i]);
    float* yb = dst + i * kLegacyBlockSize;
    _mm512_storeu_ps(yb, _mm512_add_ps(_mm512_mul_ps(to_float(q.lo), d), m));
    _mm512_storeu_ps(yb + 16, _mm512_add_ps(_mm512_mul_ps(to_float(q.hi), d), m));
  }
}

}  // namespace

void register_quant_legacy_avx512(KernelTable& t) {
  set_simd_weight_kernels<dot_symmetric<BlockQ4_0, decode_q4_0>>(t, DType::kQ4_0, Isa::kAvx512,
      dequant_symmetric<BlockQ4_0, decode_q4_0>);
  set_simd_weight_kernels<dot_symmetric<BlockQ5_0, decode_q5_0>>(t, DType::kQ5_0, Isa::kAvx512,
      dequant_symmetric<BlockQ5_0, decode_q5_0>);
  set_simd_weight_kernels<dot_symmetric<BlockQ8_0, decode_q8_0>>(t, DType::kQ8_0, Isa::kAvx512,
      dequant_symmetric<BlockQ8_0, decode_q8_0>);
  set_simd_weight_kernels<dot_with_min<BlockQ4_1, decode_q4_1>>(t, DType::kQ4_1, Isa::kAvx512,
      dequant_with_min<BlockQ4_1, decode_q4_1>);
  set_simd_weight_kernels<dot_with_min<BlockQ5_1, decode_q5_1>>(t, DType::kQ5_1, Isa::kAvx512,
      dequant_with_min<BlockQ5_1, decode_q5_1>);
}

}  // namespace coreinfer::kernels
