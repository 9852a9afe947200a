// The packed ("kernel-friendly") weight layouts that rows are repacked into at load, and small
// helpers shared by the scalar and SIMD kernels. A packed row has exactly as many bytes as the
// GGUF row it comes from (row strides are unchanged); only the order of the bytes differs.
//
// Q4_0P (Q4_0, nb = n / 32 blocks):
//   bytes [0, 2 nb)        the blocks' fp16 scales d, in block order.
//   bytes [2 nb, 18 nb)    quants. Groups of 4 blocks (128 elements) first, 64 bytes each: in
//                          group g, nibble k (bits 4k..4k+3, k < 8) of little-endian 32-bit word i
//                          (i < 16) is q of element 128 g + 16 k + i. The nb % 4 trailing blocks
//                          follow, 16 bytes each in GGUF order (byte j: low nibble element j, high
//                          nibble element 16 + j).
//   w[e] = d[e / 32] * (q[e] - 8), as in GGUF.
// One 64-byte load gives 128 quants: word i shifted right by 4k holds element 16k + i in its low
// nibble, which is all a 16-entry float table lookup (vpermps) reads.
//
// Q4_KP (Q4_K, ns = n / 256 super-blocks):
//   bytes [0, 16 ns)       super-block headers, 16 bytes each: d, dmin (fp16) and the 12 packed
//                          scale/min bytes, as in GGUF.
//   bytes [16 ns, 144 ns)  quants: super-block s's 128 bytes are two halves h of 64 bytes; nibble k
//                          of word i of half h is q of element 256 s + 128 h + 16 k + i.
//   w[e] = (d * scale) * q[e] - dmin * min of sub-block e / 32 (q4k_scale_min), as in GGUF.
//
// Q6_KP (Q6_K, ns = n / 256 super-blocks):
//   bytes [0, 2 ns)        the super-blocks' fp16 scales d, in order.
//   bytes [2 ns, 18 ns)    the 16 int8 sub-block scales of each super-block, in order.
//   bytes [18 ns, 210 ns)  quants: super-block s's 192 bytes are three 64-byte vectors v (v < 3) of
//                          16 little-endian 32-bit words; bits 6 j .. 6 j + 5 (j < 5) of word i of
//                          vector v hold q of element 256 s + 16 (5 v + j) + i, and bits 30-31 of
//                          word i of vector v hold bits 2 (2 - v) .. 2 (2 - v) + 1 of q of element
//                          256 s + 240 + i.
//   w[e] = (d * scales[e / 16]) * (q[e] - 32), as in GGUF.
// Group g (elements 16 g .. 16 g + 15, sub-block g) of a super-block is one AND of a vector with
// 0x3F << 6 j (g < 15): q * 2^(6 j) exactly, which becomes an exact fp32 value; multiplying it by
// (d * scale) * 2^(-6 j) gives the weight with no decoding shift. Every Q6_K weight is an fp32
// value (d has at most 11 significant bits, an int8 scale at most 7 since 128 is a power of two,
// q - 32 at most 5 since 32 is one: 23 <= 24), so one fmsub of q * 2^(6 j) by (d * scale) * 2^(-6 j)
// minus 32 * d * scale rounds to exactly the GGUF decoder's value.
//
// Scales come before the quants, so a kernel that converts a run of scales before the quants
// that use them still reads the row front to back, one sequential stream for the prefetchers.
//
// Internal linkage throughout (see kernels/quant/blocks.h).
#pragma once

#include <cstddef>
#include <cstdint>

#include "kernels/kernel_table.h"
#include "kernels/quant/blocks.h"

namespace coreinfer::kernels {

inline constexpr int kQ4_0GroupBlocks = 4;   // blocks per 64-byte quant group of Q4_0P
inline constexpr int kPackedGroupBytes = 64;  // one quant group (128 4-bit quants)
inline constexpr int kQ4KHeaderBytes = 16;    // d, dmin, scales[12]
inline constexpr int kQ6KScaleBytes = 18;     // Q6_KP: d (fp16) and 16 int8 scales per super-block
inline constexpr int kQ6KQuantBytes = 192;    // Q6_KP: three 64-byte vectors per super-block
inline constexpr int kQ6KFieldsPerWord = 5;   // Q6_KP: 6-bit fields per 32-bit word (bits 30-31 spare)

// q of element e (< 32 * nb) of a Q4_0P row's quants.
static inline int q4_0p_quant(const uint8_t* quants, int64_t nb, int64_t e) {
  const int64_t full = nb / kQ4_0GroupBlocks * kQ4_0GroupBlocks * kLegacyBlockSize;
  if (e < full) {
    const int64_t g = e / 128, k = (e % 128) / 16, i = e % 16;
    return (load_le32(quants + 64 * g + 4 * i) >> (4 * k)) & 0xF;
  }
  const int64_t t = (e - full) / kLegacyBlockSize, j = (e - full) % kLegacyBlockSize;
  const uint8_t byte = quants[full / 2 + 16 * t + j % 16];
  return j < 16 ? byte & 0xF : byte >> 4;
}

// q of element e (< 256) of one Q4_KP super-block's 128 quant bytes.
static inline int q4kp_quant(const uint8_t* quants, int e) {
  const int h = e / 128, k = (e % 128) / 16, i = e % 16;
  return (load_le32(quants + 64 * h + 4 * i) >> (4 * k)) & 0xF;
}

// q of element e (< 256) of one Q6_KP super-block's 192 quant bytes.
static inline int q6kp_quant(const uint8_t* quants, int e) {
  const int g = e / 16, i = e % 16;
  if (g < 3 * kQ6KFieldsPerWord) {
    const int v = g / kQ6KFieldsPerWord, j = g % kQ6KFieldsPerWord;
    return static_cast<int>((load_le32(quants + 64 * v + 4 * i) >> (6 * j)) & 63);
  }
  uint32_t q = 0;
  for (int v = 0; v < 3; ++v) q |= (load_le32(quants + 64 * v + 4 * i) >> 30) << (2 * (2 - v));
  return static_cast<int>(q);
}

// A DotMultiFn from a DotRowFn: every result is that kernel's own, so bit-identity holds by
// construction (a row stays in L1 across the n_x calls, so it is still read from memory once).
template <DotRowFn Dot>
static void dot_multi_by_rows(const void* w, size_t row_stride, int64_t n_rows, const float* x, int64_t x_stride,
                       int64_t n_x, float* y, int64_t y_stride, int64_t n) {
  const auto* rows = static_cast<const uint8_t*>(w);
  for (int64_t r = 0; r < n_rows; ++r)
    for (int64_t j = 0; j < n_x; ++j) y[j * y_stride + r] = Dot(rows + r * row_stride, x + j * x_stride, n);
}

// Overwrites the dequant and dot kernels of `type` with an ISA's (quantize_row stays the scalar
// one); dot_multi becomes the row-by-row loop over the new dot_row. dequant == nullptr keeps the
// current decoder.
template <DotRowFn Dot>
static void set_simd_weight_kernels(KernelTable& t, DType type, Isa isa, DequantRowFn dequant) {
  WeightKernels& k = t.weights[static_cast<uint32_t>(type)];
  if (dequant != nullptr) {
    k.dequant_row = dequant;
    k.dequant_isa = isa;
  }
  k.dot_row = Dot;
  k.dot_multi = dot_multi_by_rows<Dot>;
  k.dot_isa = isa;
}

// Overwrites the packed-layout kernels of `type` (repack_row stays the scalar one); a null
// dequant keeps the current one.
static inline void set_simd_packed_kernels(KernelTable& t, DType type, Isa isa, DequantRowFn dequant, DotMultiFn dot) {
  WeightKernels& k = t.weights[static_cast<uint32_t>(type)];
  if (dequant != nullptr) k.packed_dequant_row = dequant;
  k.packed_dot_multi = dot;
  k.packed_isa = isa;
}

}  // namespace coreinfer::kernels
