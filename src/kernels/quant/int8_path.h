// The 8-bit activation path: decode-time GEMV with the activations quantised to int8 per
// 32-element block and integer dot products (VNNI vpdpbusd, Arm sdot/smmla), the way llama.cpp
// computes. Memory traffic is the weights alone; the fp32 path (dequantise + FMA) is
// instruction-bound on the 4-bit formats. BF16 weights take the same path with bf16 activations
// instead (BF16A below; llama.cpp's vec_dot type for BF16), so the path is "8-bit or bf16
// activations" (the int8_* names in kernel_table.h cover both).
//
// Activation format Q8A (a vector of n elements, n a multiple of 32, nb = n / 32):
//   bytes [0, n)            int8 q[e], element order
//   bytes [n, n + 4 nb)     float d[b], one per 32-element block
//   bytes [n + 4 nb, 1.25 n) int16 s[g] = sum of q over elements 16 g .. 16 g + 15
//   x[e] ~= d[e / 32] * q[e], with d = amax / 127 of the block, q = round-half-even(x * (1 / d))
//   (q = 0 and d = 0 for an all-zero block). SIMD quantizers are bit-identical to the scalar one.
//
// Activation format BF16A (BF16 weights only; n any):
//   bytes [0, 2n)           bf16 x[e] = float_to_bf16(x[e]) (core/half.h): round to nearest even
//                           on the fp32 bits, NaN kept NaN (quiet bit set), denormals rounded like
//                           any other value (not flushed). SIMD quantizers are bit-identical.
//   BF16 weights: the GGUF layout as it is (n bf16). A product of two bf16 values is exact in
//   fp32, so the dot y = sum_e w[e] * x[e] differs between kernels only in the fp32 summation
//   order (the reference: one running sum in element order; SIMD kernels: see their files, Arm's
//   bfdot rounds its sums to odd) and in denormal handling (x86 vdpbf16ps flushes them).
//
// Weight layouts of the path (the weights are repacked at load where the GGUF layout is not
// what the kernels want; same byte count, so row strides do not change):
//   Q8_0I (from Q8_0):  bytes [0, 2 nb) fp16 d[b]; bytes [2 nb, 34 nb) int8 q[e], element order.
//   Q4_0I (from Q4_0):  bytes [0, 2 nb) fp16 d[b]; then the quants, 32 bytes per pair of blocks
//                       (64 elements): byte l (< 32) holds element l in its low nibble and element
//                       32 + l in its high nibble (the pair's element numbering); with nb odd the
//                       last block follows in 16 bytes in GGUF order (byte l: element l low,
//                       element 16 + l high). w[e] = d[e / 32] * (q[e] - 8).
//                       A 32-byte load gives 64 quants in element order after one shift and mask,
//                       the same decoding as Q4_K's GGUF layout.
//   Q4_K, Q6_K:         the GGUF layouts as they are (blocks.h): every 32 bytes of a Q4_K
//                       super-block's qs hold 64 consecutive elements (low nibbles the first 32);
//                       Q6_K's ql/qh put elements l, 32 + l, 64 + l, 96 + l of a 128-element half
//                       in byte l of ql (low nibble), ql[32 + l] ... (see BlockQ6_K).
//
// Row pairs (Q8_0I2, Q4_0I2; chosen at the Arm i8mm level, WeightKernels::int8_row_group = 2):
//   rows 2p and 2p + 1 of a matrix, each first written in its row layout above (Q8_0I / Q4_0I),
//   stored together in their two row strides: row 2p's scales (2 nb bytes), row 2p + 1's scales,
//   then the two rows' quant bytes interleaved 8 at a time (8 of row 2p, 8 of row 2p + 1, ...).
//   Every 16 bytes are then the 2 x 8 int8 matrix that smmla multiplies (after one mask or shift
//   for Q4_0I), with no zip per load. With an odd number of rows the last row keeps the row layout.
//   Row pairs change where bytes are, never a result: the dot of each (row, vector) pair is defined
//   below on the row layout.
//
// The dot products, per row and activation vector, are defined by the scalar reference
// (kernels/ref/quant_int8_ref.cpp), per 32-element block b (16-element group g for Q6_K) with
// the integer sum isum = sum of q_w * q_x over the block:
//   Q8_0I: y += (d_w[b] * d_x[b]) * isum
//   Q4_0I: y += (d_w[b] * d_x[b]) * (isum - 8 * sx[b])              sx[b] = s[2b] + s[2b+1]
//   Q4_K:  y += (d * sc_j * d_x[b]) * isum - (dmin * m_j * d_x[b]) * sx[b]   (sub-block j = b % 8)
//   Q6_K:  y += (d * sc_g * d_x[b]) * (isum_g - 32 * s[g])          (b = g / 2)
// Integer parts are exact; SIMD kernels may order the fp32 sums differently (tests bound the
// difference) but give every (row, vector) pair the same operations whatever the batch, so a
// result never depends on the other rows or vectors of the call.
//
// Internal linkage throughout (see kernels/quant/blocks.h).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

namespace coreinfer::kernels {

inline constexpr int kQ8ABlock = 32;  // elements per activation scale
inline constexpr int kQ8AGroup = 16;  // elements per activation sum

// Bytes of one Q8A vector of n elements.
static constexpr size_t q8a_bytes(int64_t n) { return static_cast<size_t>(n + n / 4); }
// Bytes of one BF16A vector of n elements.
static constexpr size_t bf16a_bytes(int64_t n) { return static_cast<size_t>(2 * n); }
static inline size_t bf16a_bytes_fn(int64_t n) { return bf16a_bytes(n); }

struct Q8AView {
  const int8_t* q;
  const float* d;    // unaligned-safe reads: use q8a_scale()
  const int16_t* s;  // unaligned-safe reads: use q8a_sum()
};

static inline Q8AView q8a_view(const void* xq, int64_t n) {
  const auto* p = static_cast<const uint8_t*>(xq);
  return {reinterpret_cast<const int8_t*>(p), reinterpret_cast<const float*>(p + n),
          reinterpret_cast<const int16_t*>(p + n + n / 8)};
}
static inline float q8a_scale(const void* xq, int64_t n, int64_t b) {
  float d;
  std::memcpy(&d, static_cast<const uint8_t*>(xq) + n + 4 * b, sizeof d);
  return d;
}
static inline int q8a_sum(const void* xq, int64_t n, int64_t g) {
  int16_t s;
  std::memcpy(&s, static_cast<const uint8_t*>(xq) + n + n / 8 + 2 * g, sizeof s);
  return s;
}

// q of element e of a Q4_0I row's quants (nb blocks).
static inline int q4_0i_quant(const uint8_t* quants, int64_t nb, int64_t e) {
  const int64_t pair = e / 64, i = e % 64;
  if (pair < nb / 2) {
    const uint8_t byte = quants[32 * pair + i % 32];
    return i < 32 ? byte & 0xF : byte >> 4;
  }
  const uint8_t byte = quants[32 * pair + i % 16];  // the odd last block
  return i < 16 ? byte & 0xF : byte >> 4;
}

}  // namespace coreinfer::kernels
