// Scalar kernels of the legacy block formats: Q4_0, Q4_1, Q5_0, Q5_1 and Q8_0 (32 per block).
//
// Quantizers: symmetric formats use the step amax / (qmax + 0.5), so every value rounds to a
// level in range and the error is at most half a step; the formats with a minimum store the
// block minimum rounded down and the step (max - min) / levels rounded up, so the levels cover
// [min, max] and again the error is at most half a step. Scales are rounded up to fp16, never
// down, to keep that guarantee.
#include <cmath>

#include "kernels/quant/blocks.h"
#include "kernels/ref/quant_ref.h"

namespace coreinfer::kernels {
namespace {

constexpr int kHalf = kLegacyBlockSize / 2;

int nibble(const uint8_t* qs, int e) { return e < kHalf ? qs[e] & 0xF : qs[e - kHalf] >> 4; }
uint32_t high_bits(const uint8_t* qh) {  // qh is a little-endian uint32
  return static_cast<uint32_t>(qh[0]) | static_cast<uint32_t>(qh[1]) << 8 | static_cast<uint32_t>(qh[2]) << 16 |
         static_cast<uint32_t>(qh[3]) << 24;
}
int five_bits(const uint8_t* qs, uint32_t qh, int e) { return nibble(qs, e) | static_cast<int>((qh >> e) & 1u) << 4; }

void dequant_q4_0(const BlockQ4_0& b, float* y) {
  const float d = fp16_to_float(b.d);
  for (int e = 0; e < kLegacyBlockSize; ++e) y[e] = static_cast<float>(nibble(b.qs, e) - 8) * d;
}
void dequant_q4_1(const BlockQ4_1& b, float* y) {
  const float d = fp16_to_float(b.d), m = fp16_to_float(b.m);
  for (int e = 0; e < kLegacyBlockSize; ++e) y[e] = static_cast<float>(nibble(b.qs, e)) * d + m;
}
void dequant_q5_0(const BlockQ5_0& b, float* y) {
  const float d = fp16_to_float(b.d);
  const uint32_t qh = high_bits(b.qh);
  for (int e = 0; e < kLegacyBlockSize; ++e) y[e] = static_cast<float>(five_bits(b.qs, qh, e) - 16) * d;
}
void dequant_q5_1(const BlockQ5_1& b, float* y) {
  const float d = fp16_to_float(b.d), m = fp16_to_float(b.m);
  const uint32_t qh = high_bits(b.qh);
  for (int e = 0; e < kLegacyBlockSize; ++e) y[e] = static_cast<float>(five_bits(b.qs, qh, e)) * d + m;
}
void dequant_q8_0(const BlockQ8_0& b, float* y) {
  const float d = fp16_to_float(b.d);
  for (int e = 0; e < kLegacyBlockSize; ++e) y[e] = static_cast<float>(b.qs[e]) * d;
}

// --- quantizers ---

float abs_max(const float* x) {
  float amax = 0.0f;
  for (int e = 0; e < kLegacyBlockSize; ++e) amax = std::fmax(amax, std::fabs(x[e]));
  return amax;
}

// Symmetric: levels -(qmax + 1) .. qmax; returns the fp16 scale and writes the levels.
uint16_t quantize_symmetric(const float* x, int qmax, int* levels) {
  const uint16_t dh = fp16_at_least(abs_max(x) / (static_cast<float>(qmax) + 0.5f));
  const float d = fp16_to_float(dh);
  const float inv = d > 0.0f ? 1.0f / d : 0.0f;
  for (int e = 0; e < kLegacyBlockSize; ++e) levels[e] = round_clamped(x[e] * inv, -qmax - 1, qmax);
  return dh;
}

struct ScaleMin {
  uint16_t d, m;  // fp16 bits
};

// With minimum: levels 0 .. max_level, x ~ d * level + m.
ScaleMin quantize_with_min(const float* x, int max_level, int* levels) {
  ScaleMin out;
  float lo = x[0], hi = x[0];
  for (int e = 1; e < kLegacyBlockSize; ++e) {
    lo = std::fmin(lo, x[e]);
    hi = std::fmax(hi, x[e]);
  }
  out.m = fp16_at_most(lo);
  const float m = fp16_to_float(out.m);
  out.d = fp16_at_least((hi - m) / static_cast<float>(max_level));
  const float d = fp16_to_float(out.d);
  const float inv = d > 0.0f ? 1.0f / d : 0.0f;
  for (int e = 0; e < kLegacyBlockSize; ++e) levels[e] = round_clamped((x[e] - m) * inv, 0, max_level);
  return out;
}

void pack_nibbles(const int* levels, uint8_t* qs) {
  for (int j = 0; j < kHalf; ++j) qs[j] = static_cast<uint8_t>((levels[j] & 0xF) | (levels[j + kHalf] & 0xF) << 4);
}
void pack_fifth_bits(const int* levels, uint8_t* qh) {
  for (int i = 0; i < 4; ++i) qh[i] = 0;
  for (int e = 0; e < kLegacyBlockSize; ++e) qh[e / 8] |= static_cast<uint8_t>(((levels[e] >> 4) & 1) << (e % 8));
}

void quantize_q4_0(const float* x, BlockQ4_0& b) {
  int levels[kLegacyBlockSize];
  b.d = quantize_symmetric(x, 7, levels);
  for (int& l : levels) l += 8;
  pack_nibbles(levels, b.qs);
}
void quantize_q4_1(const float* x, BlockQ4_1& b) {
  int levels[kLegacyBlockSize];
  const ScaleMin sm = quantize_with_min(x, 15, levels);
  b.d = sm.d;
  b.m = sm.m;
  pack_nibbles(levels, b.qs);
}
void quantize_q5_0(const float* x, BlockQ5_0& b) {
  int levels[kLegacyBlockSize];
  b.d = quantize_symmetric(x, 15, levels);
  for (int& l : levels) l += 16;
  pack_nibbles(levels, b.qs);
  pack_fifth_bits(levels, b.qh);
}
void quantize_q5_1(const float* x, BlockQ5_1& b) {
  int levels[kLegacyBlockSize];
  const ScaleMin sm = quantize_with_min(x, 31, levels);
  b.d = sm.d;
  b.m = sm.m;
  pack_nibbles(levels, b.qs);
  pack_fifth_bits(levels, b.qh);
}
void quantize_q8_0(const float* x, BlockQ8_0& b) {
  int levels[kLegacyBlockSize];
  b.d = quantize_symmetric(x, 127, levels);
  for (int e = 0; e < kLegacyBlockSize; ++e) b.qs[e] = static_cast<int8_t>(levels[e]);
}

template <typename Block, void (*Dequant)(const Block&, float*), void (*Quantize)(const float*, Block&)>
void set_legacy(KernelTable& t, DType type) {
  set_weight_kernels<dot_row_by_blocks<Block, kLegacyBlockSize, Dequant>>(
      t, type, dequant_row_by_blocks<Block, kLegacyBlockSize, Dequant>,
      quantize_row_by_blocks<Block, kLegacyBlockSize, Quantize>);
}

}  // namespace

void register_quant_legacy_ref(KernelTable& t) {
  set_legacy<BlockQ4_0, dequant_q4_0, quantize_q4_0>(t, DType::kQ4_0);
  set_legacy<BlockQ4_1, dequant_q4_1, quantize_q4_1>(t, DType::kQ4_1);
  set_legacy<BlockQ5_0, dequant_q5_0, quantize_q5_0>(t, DType::kQ5_0);
  set_legacy<BlockQ5_1, dequant_q5_1, quantize_q5_1>(t, DType::kQ5_1);
  set_legacy<BlockQ8_0, dequant_q8_0, quantize_q8_0>(t, DType::kQ8_0);
}

}  // namespace coreinfer::kernels
