// AVX2 kernels of the legacy block formats (Q4_0, Q4_1, Q5_0, Q5_1, Q8_0): each block's 32
// quants are widened to four vectors of 8 int32, converted to fp32 and used in registers.
//   symmetric (w = d * q):      dot accumulates d * sum(q * x) per block;
//   with minimum (w = d*q + m): dot accumulates fma(q, d, m) * x.
// The decoders repeat the scalar arithmetic (no FMA), so they match it bit for bit.
#include <cstring>

#include "kernels/quant/blocks.h"
#include "kernels/x86/quant_x86.h"
#include "kernels/x86/simd_avx2.h"

namespace coreinfer::kernels {
namespace {

using namespace avx2;

// A block's quants, element 8 k + i in lane i of v[k].
struct Quants {
  __m256i v[4];
};

// Low nibbles are elements 0..15, high nibbles 16..31.
[[gnu::always_inline]] inline Quants nibbles(const uint8_t* qs) {
  const __m256i mask = _mm256_set1_epi32(0xF);
  const __m256i a = load_u8x8(qs), b = load_u8x8(qs + 8);
  return {{_mm256_and_si256(a, mask), _mm256_and_si256(b, mask), _mm256_srli_epi32(a, 4), _mm256_srli_epi32(b, 4)}};
}

// Adds 16 to element e when bit e of the little-endian qh is set.
[[gnu::always_inline]] inline Quants add_fifth_bits(Quants q, const uint8_t* qh) {
  uint32_t bits;
  std::memcpy(&bits, qh, sizeof bits);
  const __m256i all = _mm256_set1_epi32(static_cast<int>(bits));
  const __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
  const __m256i one = _mm256_set1_epi32(1);
  for (int k = 0; k < 4; ++k) {
    const __m256i shift = _mm256_add_epi32(lane, _mm256_set1_epi32(8 * k));
    const __m256i bit = _mm256_and_si256(_mm256_srlv_epi32(all, shift), one);
    q.v[k] = _mm256_or_si256(q.v[k], _mm256_slli_epi32(bit, 4));
  }
  return q;
}

[[gnu::always_inline]] inline Quants offset(Quants q, int by) {
  const __m256i o = _mm256_set1_epi32(by);
  for (__m256i& v : q.v) v = _mm256_sub_epi32(v, o);
  return q;
}

[[gnu::always_inline]] inline Quants decode_q4_0(const BlockQ4_0& b) { return offset(nibbles(b.qs), 8); }
[[gnu::always_inline]] inline Quants decode_q4_1(const BlockQ4_1& b) { return nibbles(b.qs); }
[[gnu::always_inline]] inline Quants decode_q5_0(const BlockQ5_0& b) {
  return offset(add_fifth_bits(nibbles(b.qs), b.qh), 16);
}
[[gnu::always_inline]] inline Quants decode_q5_1(const BlockQ5_1& b) { return add_fifth_bits(nibbles(b.qs), b.qh); }
[[gnu::always_inline]] inline Quants decode_q8_0(const BlockQ8_0& b) {
  return {{load_i8x8(b.qs), load_i8x8(b.qs + 8), load_i8x8(b.qs + 16), load_i8x8(b.qs + 24)}};
}

// sum over the block of q * x, as 8 partial sums.
[[gnu::always_inline]] inline __m256 block_partial(const Quants& q, const float* x) {
  __m256 p0 = _mm256_mul_ps(to_float(q.v[0]), _mm256_loadu_ps(x));
  __m256 p1 = _mm256_mul_ps(to_float(q.v[1]), _mm256_loadu_ps(x + 8));
  p0 = _mm256_fmadd_ps(to_float(q.v[2]), _mm256_loadu_ps(x + 16), p0);
  p1 = _mm256_fmadd_ps(to_float(q.v[3]), _mm256_loadu_ps(x + 24), p1);
  return _mm256_add_ps(p0, p1);
}

// acc + d * sum(q * x) of one block.
template <typename Block, Quants (*Decode)(const Block&)>
[[gnu::always_inline]] inline __m256 add_block(const Block& b, const float* x, __m256 acc) {
  return _mm256_fmadd_ps(_mm256_set1_ps(half_to_float(b.d)), block_partial(Decode(b), x), acc);
}

template <typename Block, Quants (*Decode)(const Block&)>
float dot_symmetric(const void* w, const float* x, int64_t n) {
  const auto* blocks = static_cast<const Block*>(w);
  const int64_t nb = n / kLegacyBlockSize;
  constexpr int kB = kLegacyBlockSize;
  __m256 acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps();
  __m256 acc2 = _mm256_setzero_ps(), acc3 = _mm256_setzero_ps();
  int64_t i = 0;
  for (; i + 4 <= nb; i += 4) {
    acc0 = add_block<Block, Decode>(blocks[i], x + i * kB, acc0);
    acc1 = add_block<Block, Decode>(blocks[i + 1], x + (i + 1) * kB, acc1);
    acc2 = add_block<Block, Decode>(blocks[i + 2], x + (i + 2) * kB, acc2);
    acc3 = add_block<Block, Decode>(blocks[i + 3], x + (i + 3) * kB, acc3);
  }
  for (; i < nb; ++i) acc0 = add_block<Block, Decode>(blocks[i], x + i * kB, acc0);
  return hsum(_mm256_add_ps(_mm256_add_ps(acc0, acc1), _mm256_add_ps(acc2, acc3)));
}

template <typename Block, Quants (*Decode)(const Block&)>
float dot_with_min(const void* w, const float* x, int64_t n) {
  const auto* blocks = static_cast<const Block*>(w);
  __m256 acc[4] = {_mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps()};
  for (int64_t i = 0; i < n / kLegacyBlockSize; ++i) {
    const __m256 d = _mm256_set1_ps(half_to_float(blocks[i].d));
    const __m256 m = _mm256_set1_ps(half_to_float(blocks[i].m));
    const Quants q = Decode(blocks[i]);
    const float* xb = x + i * kLegacyBlockSize;
    for (int k = 0; k < 4; ++k) {
      const __m256 weight = _mm256_fmadd_ps(to_float(q.v[k]), d, m);
      acc[k] = _mm256_fmadd_ps(weight, _mm256_loadu_ps(xb + 8 * k), acc[k]);
    }
  }
  return hsum(_mm256_add_ps(_mm256_add_ps(acc[0], acc[1]), _mm256_add_ps(acc[2], acc[3])));
}

template <typename Block, Quants (*Decode)(const Block&)>
void dequant_symmetric(const void* src, float* dst, int64_t n) {
  const auto* blocks = static_cast<const Block*>(src);
  for (int64_t i = 0; i < n / kLegacyBlockSize; ++i) {
    const __m256 d = _mm256_set1_ps(half_to_float(blocks[i].d));
    const Quants q = Decode(blocks[i]);
    for (int k = 0; k < 4; ++k) _mm256_storeu_ps(dst + i * kLegacyBlockSize + 8 * k, _mm256_mul_ps(to_float(q.v[k]), d));
  }
}

template <typename Block, Quants (*Decode)(const Block&)>
void dequant_with_min(const void* src, float* dst, int64_t n) {
  const auto* blocks = static_cast<const Block*>(src);
  for (int64_t i = 0; i < n / kLegacyBlockSize; ++i) {
    const __m256 d = _mm256_set1_ps(half_to_float(blocks[i].d));
    const __m256 m = _mm256_set1_ps(half_to_float(blocks[i].m));
    const Quants q = Decode(blocks[i]);
    for (int k = 0; k < 4; ++k) {
      _mm256_storeu_ps(dst + i * kLegacyBlockSize + 8 * k, _mm256_add_ps(_mm256_mul_ps(to_float(q.v[k]), d), m));
    }
  }
}

}  // namespace

void register_quant_legacy_avx2(KernelTable& t) {
  set_simd_weight_kernels<dot_symmetric<BlockQ4_0, decode_q4_0>>(t, DType::kQ4_0, Isa::kAvx2,
      dequant_symmetric<BlockQ4_0, decode_q4_0>);
  set_simd_weight_kernels<dot_symmetric<BlockQ5_0, decode_q5_0>>(t, DType::kQ5_0, Isa::kAvx2,
      dequant_symmetric<BlockQ5_0, decode_q5_0>);
  set_simd_weight_kernels<dot_symmetric<BlockQ8_0, decode_q8_0>>(t, DType::kQ8_0, Isa::kAvx2,
      dequant_symmetric<BlockQ8_0, decode_q8_0>);
  set_simd_weight_kernels<dot_with_min<BlockQ4_1, decode_q4_1>>(t, DType::kQ4_1, Isa::kAvx2,
      dequant_with_min<BlockQ4_1, decode_q4_1>);
  set_simd_weight_kernels<dot_with_min<BlockQ5_1, decode_q5_1>>(t, DType::kQ5_1, Isa::kAvx2,
      dequant_with_min<BlockQ5_1, decode_q5_1>);
}

}  // namespace coreinfer::kernels
