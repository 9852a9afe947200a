// The Arm weight kernels of the fp32 activation path are split by format family
// (quant_<family>_neon.cpp); register_quant_neon calls the family registrations declared here.
// Small NEON helpers shared by those files; internal linkage only (see kernels/quant/blocks.h).
#pragma once

#include <arm_neon.h>

#include <cstdint>
#include <cstring>

#include "kernels/kernel_table.h"
#include "kernels/quant/packed.h"

namespace coreinfer::kernels {

void register_quant_float_neon(KernelTable& t);
void register_quant_legacy_neon(KernelTable& t);
void register_quant_kquant_neon(KernelTable& t);
void register_quant_packed_neon(KernelTable& t);

namespace neon {

// a * b rounded to fp32. arm_neon.h writes vmulq_f32 / vaddq_f32 as plain `*` / `+`, which GCC
// (-ffp-contract=fast by default) contracts into fmla like any other expression; the empty asm
// hides the product from it. (The decoders' products are all exact in fp32 -- an fp16 scale
// has at most 11 significant bits, 6-bit scale codes and 5-bit quants leave the product within
// 24 -- so a fused decoder, like the scalar reference as GCC compiles it on aarch64, gives the
// same bits; this keeps the decoders' arithmetic the source's all the same.)
[[gnu::always_inline]] static inline float32x4_t mul_rounded(float32x4_t a, float32x4_t b) {
  float32x4_t p = vmulq_f32(a, b);
  __asm__("" : "+w"(p));
  return p;
}

// fp16 -> fp32 (fcvt; exact, subnormals included).
[[gnu::always_inline]] static inline float half_to_float(uint16_t h) {
  __fp16 f;
  std::memcpy(&f, &h, sizeof f);
  return static_cast<float>(f);
}
[[gnu::always_inline]] static inline float load_half(const uint8_t* p) {
  uint16_t h;
  std::memcpy(&h, p, sizeof h);
  return half_to_float(h);
}
// Four fp16 values at p (any alignment) to fp32.
[[gnu::always_inline]] static inline float32x4_t load_half4(const uint8_t* p) {
  return vcvt_f32_f16(vreinterpret_f16_u8(vld1_u8(p)));
}

// 16 bytes to four fp32 vectors (lanes 4 i .. 4 i + 3 in out[i]), exact.
[[gnu::always_inline]] static inline void u8_to_f32(uint8x16_t v, float32x4_t* out) {
  const uint16x8_t lo = vmovl_u8(vget_low_u8(v)), hi = vmovl_high_u8(v);
  out[0] = vcvtq_f32_u32(vmovl_u16(vget_low_u16(lo)));
  out[1] = vcvtq_f32_u32(vmovl_high_u16(lo));
  out[2] = vcvtq_f32_u32(vmovl_u16(vget_low_u16(hi)));
  out[3] = vcvtq_f32_u32(vmovl_high_u16(hi));
}
[[gnu::always_inline]] static inline void s8_to_f32(int8x16_t v, float32x4_t* out) {
  const int16x8_t lo = vmovl_s8(vget_low_s8(v)), hi = vmovl_high_s8(v);
  out[0] = vcvtq_f32_s32(vmovl_s16(vget_low_s16(lo)));
  out[1] = vcvtq_f32_s32(vmovl_high_s16(lo));
  out[2] = vcvtq_f32_s32(vmovl_s16(vget_low_s16(hi)));
  out[3] = vcvtq_f32_s32(vmovl_high_s16(hi));
}

// sum of 16 products w[i] * x[4 i ..], two chains.
[[gnu::always_inline]] static inline float32x4_t dot16(const float32x4_t* w, const float* x) {
  float32x4_t p0 = vmulq_f32(w[0], vld1q_f32(x));
  float32x4_t p1 = vmulq_f32(w[1], vld1q_f32(x + 4));
  p0 = vfmaq_f32(p0, w[2], vld1q_f32(x + 8));
  p1 = vfmaq_f32(p1, w[3], vld1q_f32(x + 12));
  return vaddq_f32(p0, p1);
}

[[gnu::always_inline]] static inline float32x4_t sum4(const float32x4_t* a) {
  return vaddq_f32(vaddq_f32(a[0], a[1]), vaddq_f32(a[2], a[3]));
}

}  // namespace neon
}  // namespace coreinfer::kernels
