// Shared pieces of the scalar weight kernels (kernels/ref/quant_*.cpp): the per-family
// registrations that register_quant_ref calls, row loops over blocks, and the rounding
// helpers the quantizers use. Only the scalar files include this header.
#pragma once

#include <cmath>
#include <cstdint>

#include "core/dtype.h"
#include "core/half.h"
#include "kernels/kernel_table.h"
#include "kernels/quant/packed.h"

namespace coreinfer::kernels {

void register_quant_float_ref(KernelTable& t);
void register_quant_legacy_ref(KernelTable& t);
void register_quant_kquant_ref(KernelTable& t);
void register_quant_packed_ref(KernelTable& t);  // after the others: packed layouts of their types

// The K-quant quantizers (quant_kquant_quantize_ref.cpp).
void quantize_row_q2_k_ref(const float* src, void* dst, int64_t n);
void quantize_row_q3_k_ref(const float* src, void* dst, int64_t n);
void quantize_row_q4_k_ref(const float* src, void* dst, int64_t n);
void quantize_row_q5_k_ref(const float* src, void* dst, int64_t n);
void quantize_row_q6_k_ref(const float* src, void* dst, int64_t n);

template <DotRowFn Dot>
void set_weight_kernels(KernelTable& t, DType type, DequantRowFn dequant, QuantizeRowFn quantize) {
  WeightKernels& k = t.weights[static_cast<uint32_t>(type)];
  k.dequant_row = dequant;
  k.dot_row = Dot;
  k.dot_multi = dot_multi_by_rows<Dot>;
  k.quantize_row = quantize;
  k.dequant_isa = Isa::kScalar;
  k.dot_isa = Isa::kScalar;
}

// --- row loops: a row is n / kSize consecutive blocks ---

template <typename Block, int kSize, void (*DequantBlock)(const Block&, float*)>
void dequant_row_by_blocks(const void* src, float* dst, int64_t n) {
  const auto* blocks = static_cast<const Block*>(src);
  for (int64_t b = 0; b < n / kSize; ++b) DequantBlock(blocks[b], dst + b * kSize);
}

// The reference dot product: decode a block to fp32, then one running fp32 sum in element order.
template <typename Block, int kSize, void (*DequantBlock)(const Block&, float*)>
float dot_row_by_blocks(const void* w, const float* x, int64_t n) {
  const auto* blocks = static_cast<const Block*>(w);
  float decoded[kSize];
  float sum = 0.0f;
  for (int64_t b = 0; b < n / kSize; ++b) {
    DequantBlock(blocks[b], decoded);
    const float* xb = x + b * kSize;
    for (int i = 0; i < kSize; ++i) sum += decoded[i] * xb[i];
  }
  return sum;
}

template <typename Block, int kSize, void (*QuantizeBlock)(const float*, Block&)>
void quantize_row_by_blocks(const float* src, void* dst, int64_t n) {
  auto* blocks = static_cast<Block*>(dst);
  for (int64_t b = 0; b < n / kSize; ++b) QuantizeBlock(src + b * kSize, blocks[b]);
}

// --- rounding helpers for the quantizers ---

// fp16 bits of the smallest fp16 value >= v (v finite and within the fp16 range).
inline uint16_t fp16_at_least(float v) {
  uint16_t h = float_to_fp16(v);
  if (fp16_to_float(h) < v) {
    if (h == 0x8000u) return 0x0001u;                           // -0 -> smallest positive
    h = (h & 0x8000u) ? static_cast<uint16_t>(h - 1) : static_cast<uint16_t>(h + 1);  // one ulp up
  }
  return h;
}

// fp16 bits of the largest fp16 value <= v.
inline uint16_t fp16_at_most(float v) { return static_cast<uint16_t>(fp16_at_least(-v) ^ 0x8000u); }

// Round to nearest (ties to even) and clamp to [lo, hi].
inline int round_clamped(float v, int lo, int hi) {
  const long r = std::lrint(v);
  return static_cast<int>(r < lo ? lo : (r > hi ? hi : r));
}

// The smallest level in [0, max_level] with level * unit >= v; 0 when v <= 0 or unit is 0.
inline int level_at_least(float v, float unit, int max_level) {
  if (!(unit > 0.0f) || !(v > 0.0f)) return 0;
  const float l = std::ceil(v / unit);
  return l >= static_cast<float>(max_level) ? max_level : static_cast<int>(l);
}

}  // namespace coreinfer::kernels
