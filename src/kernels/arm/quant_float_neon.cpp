// NEON kernels of the plain float weight types: dot products for F32, F16 and BF16, and the
// F16 / BF16 decoders (F32 decodes with memcpy, which the scalar kernel already does).
// F16 widens with fcvtl (Armv8.0, exact), BF16 with a 16-bit left shift; 8 accumulators cover
// the 4-cycle fmla latency of two pipes.
#include <cstring>

#include "kernels/arm/quant_arm.h"

namespace coreinfer::kernels {
namespace {

using namespace neon;

struct F32 {
  static constexpr int kBytes = 4;
  static float32x4_t load4(const uint8_t* p) { return vld1q_f32(reinterpret_cast<const float*>(p)); }
  static float load1(const uint8_t* p) {
    float f;
    std::memcpy(&f, p, sizeof f);
    return f;
  }
};
struct F16 {
  static constexpr int kBytes = 2;
  static float32x4_t load4(const uint8_t* p) { return load_half4(p); }
  static float load1(const uint8_t* p) { return load_half(p); }
  static void load8(const uint8_t* p, float32x4_t* out) {
    const float16x8_t h = vreinterpretq_f16_u8(vld1q_u8(p));
    out[0] = vcvt_f32_f16(vget_low_f16(h));
    out[1] = vcvt_high_f32_f16(h);
  }
};
struct BF16 {
  static constexpr int kBytes = 2;
  static float32x4_t load4(const uint8_t* p) {
    return vreinterpretq_f32_u32(vshll_n_u16(vreinterpret_u16_u8(vld1_u8(p)), 16));
  }
  static float load1(const uint8_t* p) {
    uint16_t h;
    std::memcpy(&h, p, sizeof h);
    const uint32_t bits = static_cast<uint32_t>(h) << 16;
    float f;
    std::memcpy(&f, &bits, sizeof f);
    return f;
  }
  static void load8(const uint8_t* p, float32x4_t* out) {
    const uint16x8_t h = vreinterpretq_u16_u8(vld1q_u8(p));
    out[0] = vreinterpretq_f32_u32(vshll_n_u16(vget_low_u16(h), 16));
    out[1] = vreinterpretq_f32_u32(vshll_high_n_u16(h, 16));
  }
};

// Named accumulators: an array here stays in memory (GCC stores it back every iteration).
template <typename T>
float dot_row(const void* w, const float* x, int64_t n) {
  const auto* p = static_cast<const uint8_t*>(w);
  constexpr int kB = T::kBytes;
  const auto fma4 = [&](float32x4_t acc, int64_t i) { return vfmaq_f32(acc, T::load4(p + kB * i), vld1q_f32(x + i)); };
  float32x4_t a0 = vdupq_n_f32(0.0f), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
  int64_t i = 0;
  for (; i + 32 <= n; i += 32) {
    a0 = fma4(a0, i);
    a1 = fma4(a1, i + 4);
    a2 = fma4(a2, i + 8);
    a3 = fma4(a3, i + 12);
    a4 = fma4(a4, i + 16);
    a5 = fma4(a5, i + 20);
    a6 = fma4(a6, i + 24);
    a7 = fma4(a7, i + 28);
  }
  for (; i + 4 <= n; i += 4) a0 = fma4(a0, i);
  float sum = vaddvq_f32(vaddq_f32(vaddq_f32(vaddq_f32(a0, a1), vaddq_f32(a2, a3)),
                                   vaddq_f32(vaddq_f32(a4, a5), vaddq_f32(a6, a7))));
  for (; i < n; ++i) sum += T::load1(p + kB * i) * x[i];
  return sum;
}

template <typename T>
void dequant_row(const void* src, float* dst, int64_t n) {
  const auto* p = static_cast<const uint8_t*>(src);
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    float32x4_t v[2];
    T::load8(p + 2 * i, v);
    vst1q_f32(dst + i, v[0]);
    vst1q_f32(dst + i + 4, v[1]);
  }
  for (; i < n; ++i) dst[i] = T::load1(p + 2 * i);
}

}  // namespace

void register_quant_float_neon(KernelTable& t) {
  set_simd_weight_kernels<dot_row<F32>>(t, DType::kF32, Isa::kNeon, nullptr);
  set_simd_weight_kernels<dot_row<F16>>(t, DType::kF16, Isa::kNeon, dequant_row<F16>);
  set_simd_weight_kernels<dot_row<BF16>>(t, DType::kBF16, Isa::kNeon, dequant_row<BF16>);
}

}  // namespace coreinfer::kernels
