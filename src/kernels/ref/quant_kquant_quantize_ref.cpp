// Quantizers of the K-quant formats (round to nearest, one pass, no search).
//
// Formats with a minimum (Q2_K, Q4_K, Q5_K), per sub-block: the offset M = dmin * min_level is
// the smallest one >= -min(x_min, 0), the step t = d * scale_level the smallest one with
// max_level * t >= x_max + M; so [-M, max_level * t - M] covers the sub-block and every value
// is within t / 2 of its level. Symmetric formats (Q3_K, Q6_K): step >= amax / (qmax + 0.5),
// so every value rounds to a level in range, again within t / 2. The fp16 super-scales are
// rounded up so that the largest sub-block still fits the scale bits.
#include <cmath>
#include <cstring>

#include "kernels/quant/blocks.h"
#include "kernels/ref/quant_ref.h"

namespace coreinfer::kernels {
namespace {

constexpr int kN = kSuperBlockSize;
constexpr int kMaxSubBlocks = 16;

// Quantized sub-block parameters of one super-block: w = (d * scale[s]) * level - dmin * min[s].
struct SubBlockPlan {
  uint16_t d = 0, dmin = 0;  // fp16 bits
  int scale[kMaxSubBlocks] = {};
  int min[kMaxSubBlocks] = {};
};

// Levels 0..max_level for sub-blocks of `sub` elements; scale and min levels 0..max_param.
SubBlockPlan quantize_with_mins(const float* x, int sub, int max_level, int max_param, int* levels) {
  const int n_sub = kN / sub;
  SubBlockPlan plan;
  float need_offset[kMaxSubBlocks], top[kMaxSubBlocks];
  float max_offset = 0.0f;
  for (int s = 0; s < n_sub; ++s) {
    float lo = 0.0f, hi = x[s * sub];
    for (int i = 0; i < sub; ++i) {
      lo = std::fmin(lo, x[s * sub + i]);
      hi = std::fmax(hi, x[s * sub + i]);
    }
    need_offset[s] = -lo;
    top[s] = hi;
    max_offset = std::fmax(max_offset, -lo);
  }
  plan.dmin = fp16_at_least(max_offset / static_cast<float>(max_param));
  const float dmin = fp16_to_float(plan.dmin);

  float offset[kMaxSubBlocks], need_step[kMaxSubBlocks];
  float max_step = 0.0f;
  for (int s = 0; s < n_sub; ++s) {
    plan.min[s] = level_at_least(need_offset[s], dmin, max_param);
    offset[s] = dmin * static_cast<float>(plan.min[s]);
    need_step[s] = (top[s] + offset[s]) / static_cast<float>(max_level);
    max_step = std::fmax(max_step, need_step[s]);
  }
  plan.d = fp16_at_least(max_step / static_cast<float>(max_param));
  const float d = fp16_to_float(plan.d);

  for (int s = 0; s < n_sub; ++s) {
    plan.scale[s] = level_at_least(need_step[s], d, max_param);
    const float step = d * static_cast<float>(plan.scale[s]);
    const float inv = step > 0.0f ? 1.0f / step : 0.0f;
    for (int i = 0; i < sub; ++i) {
      levels[s * sub + i] = round_clamped((x[s * sub + i] + offset[s]) * inv, 0, max_level);
    }
  }
  return plan;
}

// Signed levels -(qmax + 1)..qmax for 16 sub-blocks of 16; scale levels 0..max_scale.
SubBlockPlan quantize_symmetric(const float* x, int qmax, int max_scale, int* levels) {
  constexpr int kSub = 16;
  SubBlockPlan plan;
  float need_step[kMaxSubBlocks];
  float max_step = 0.0f;
  for (int s = 0; s < kMaxSubBlocks; ++s) {
    float amax = 0.0f;
    for (int i = 0; i < kSub; ++i) amax = std::fmax(amax, std::fabs(x[s * kSub + i]));
    need_step[s] = amax / (static_cast<float>(qmax) + 0.5f);
    max_step = std::fmax(max_step, need_step[s]);
  }
  plan.d = fp16_at_least(max_step / static_cast<float>(max_scale));
  const float d = fp16_to_float(plan.d);
  for (int s = 0; s < kMaxSubBlocks; ++s) {
    plan.scale[s] = level_at_least(need_step[s], d, max_scale);
    const float step = d * static_cast<float>(plan.scale[s]);
    const float inv = step > 0.0f ? 1.0f / step : 0.0f;
    for (int i = 0; i < kSub; ++i) levels[s * kSub + i] = round_clamped(x[s * kSub + i] * inv, -qmax - 1, qmax);
  }
  return plan;
}

// Inverse of q4k_scale_min (blocks.h): 8 scale and 8 min levels of 6 bits into 12 bytes.
void pack_q4k_scales(const int* scale, const int* min, uint8_t* packed) {
  std::memset(packed, 0, kKScaleBytes);
  for (int j = 0; j < 8; ++j) {
    if (j < 4) {
      packed[j] |= static_cast<uint8_t>(scale[j]);
      packed[j + 4] |= static_cast<uint8_t>(min[j]);
    } else {
      packed[j + 4] = static_cast<uint8_t>((scale[j] & 0xF) | (min[j] & 0xF) << 4);
      packed[j - 4] |= static_cast<uint8_t>((scale[j] >> 4) << 6);
      packed[j] |= static_cast<uint8_t>((min[j] >> 4) << 6);
    }
  }
}

// Inverse of q3k_scale (blocks.h): 16 signed scales (-32..31) into 12 bytes.
void pack_q3k_scales(const int* scale, uint8_t* packed) {
  std::memset(packed, 0, kKScaleBytes);
  for (int s = 0; s < 16; ++s) {
    const int biased = scale[s] + 32;
    packed[s % 8] |= static_cast<uint8_t>((biased & 0xF) << (4 * (s / 8)));
    packed[8 + s % 4] |= static_cast<uint8_t>((biased >> 4) << (2 * (s / 4)));
  }
}

// Element e's 2-bit field (e = 128 h + 32 j + l) into qs[32 h + l] bits 2 j.
void pack_two_bits(const int* levels, uint8_t* qs) {
  std::memset(qs, 0, kN / 4);
  for (int e = 0; e < kN; ++e) qs[32 * (e / 128) + e % 32] |= static_cast<uint8_t>((levels[e] & 3) << (2 * ((e % 128) / 32)));
}
// Element e's bit into plane[e % 32] bit e / 32.
void pack_plane_bits(const int* bits, uint8_t* plane) {
  std::memset(plane, 0, kN / 8);
  for (int e = 0; e < kN; ++e) plane[e % 32] |= static_cast<uint8_t>((bits[e] & 1) << (e / 32));
}
// Element e's low nibble (e = 64 c + 32 upper + l) into qs[32 c + l] bits 4 upper.
void pack_four_bits(const int* levels, uint8_t* qs) {
  std::memset(qs, 0, kN / 2);
  for (int e = 0; e < kN; ++e) qs[32 * (e / 64) + e % 32] |= static_cast<uint8_t>((levels[e] & 0xF) << (4 * ((e % 64) / 32)));
}

void quantize_q2_k(const float* x, BlockQ2_K& b) {
  int levels[kN];
  const SubBlockPlan plan = quantize_with_mins(x, 16, 3, 15, levels);
  b.d = plan.d;
  b.dmin = plan.dmin;
  for (int s = 0; s < 16; ++s) b.scales[s] = static_cast<uint8_t>(plan.scale[s] | plan.min[s] << 4);
  pack_two_bits(levels, b.qs);
}

void quantize_q3_k(const float* x, BlockQ3_K& b) {
  int levels[kN], high[kN];
  const SubBlockPlan plan = quantize_symmetric(x, 3, 31, levels);
  b.d = plan.d;
  pack_q3k_scales(plan.scale, b.scales);
  for (int e = 0; e < kN; ++e) {
    const int biased = levels[e] + 4;  // 0..7: bit 2 set means "no -4"
    levels[e] = biased & 3;
    high[e] = biased >> 2;
  }
  pack_two_bits(levels, b.qs);
  pack_plane_bits(high, b.hmask);
}

void quantize_q4_k(const float* x, BlockQ4_K& b) {
  int levels[kN];
  const SubBlockPlan plan = quantize_with_mins(x, 32, 15, 63, levels);
  b.d = plan.d;
  b.dmin = plan.dmin;
  pack_q4k_scales(plan.scale, plan.min, b.scales);
  pack_four_bits(levels, b.qs);
}

void quantize_q5_k(const float* x, BlockQ5_K& b) {
  int levels[kN], high[kN];
  const SubBlockPlan plan = quantize_with_mins(x, 32, 31, 63, levels);
  b.d = plan.d;
  b.dmin = plan.dmin;
  pack_q4k_scales(plan.scale, plan.min, b.scales);
  for (int e = 0; e < kN; ++e) high[e] = levels[e] >> 4;
  pack_four_bits(levels, b.qs);
  pack_plane_bits(high, b.qh);
}

void quantize_q6_k(const float* x, BlockQ6_K& b) {
  int levels[kN];
  const SubBlockPlan plan = quantize_symmetric(x, 31, 127, levels);
  b.d = plan.d;
  for (int s = 0; s < 16; ++s) b.scales[s] = static_cast<int8_t>(plan.scale[s]);
  std::memset(b.ql, 0, sizeof b.ql);
  std::memset(b.qh, 0, sizeof b.qh);
  for (int e = 0; e < kN; ++e) {
    const int q = levels[e] + 32;  // 0..63
    const int h = e / 128, j = (e % 128) / 32, l = e % 32;
    b.ql[64 * h + 32 * (j & 1) + l] |= static_cast<uint8_t>((q & 0xF) << (4 * (j / 2)));
    b.qh[32 * h + l] |= static_cast<uint8_t>((q >> 4) << (2 * j));
  }
}

}  // namespace

void quantize_row_q2_k_ref(const float* src, void* dst, int64_t n) {
  quantize_row_by_blocks<BlockQ2_K, kN, quantize_q2_k>(src, dst, n);
}
void quantize_row_q3_k_ref(const float* src, void* dst, int64_t n) {
  quantize_row_by_blocks<BlockQ3_K, kN, quantize_q3_k>(src, dst, n);
}
void quantize_row_q4_k_ref(const float* src, void* dst, int64_t n) {
  quantize_row_by_blocks<BlockQ4_K, kN, quantize_q4_k>(src, dst, n);
}
void quantize_row_q5_k_ref(const float* src, void* dst, int64_t n) {
  quantize_row_by_blocks<BlockQ5_K, kN, quantize_q5_k>(src, dst, n);
}
void quantize_row_q6_k_ref(const float* src, void* dst, int64_t n) {
  quantize_row_by_blocks<BlockQ6_K, kN, quantize_q6_k>(src, dst, n);
}

}  // namespace coreinfer::kernels
