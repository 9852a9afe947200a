// NEON kernels of the K-quant formats (Q2_K, Q3_K, Q4_K, Q5_K, Q6_K).
//
// A super-block is walked in groups of 16 elements that share one sub-block scale: each group is
// one 16-byte load (or the same load shifted / masked: the four 2-bit fields, the two nibbles,
// the high-bit planes are all cut out of the bytes they share), decoded in bytes and widened to
// four fp32 vectors. Sub-block scales (and mins) are decoded once per super-block into small
// fp32 tables with one vector multiply, exactly as the scalar kernels compute them.
//   symmetric (Q3_K, Q6_K, w = s * q): dot accumulates s * sum(q * x) per group;
//   with minimum (Q2_K, Q4_K, Q5_K, w = s * q - m): dot accumulates fma(q, s, -m) * x.
// The decoders use a rounded multiply then the subtraction, like the scalar source.
#include <type_traits>

#include "kernels/arm/quant_arm.h"
#include "kernels/quant/blocks.h"

namespace coreinfer::kernels {
namespace {

using namespace neon;

constexpr int kN = kSuperBlockSize;

// Per-sub-block fp32 scales and offsets (unused by the symmetric formats).
struct Params {
  float scale[16], offset[16];
};

// 16 bytes of scale codes times d into out[0..16).
[[gnu::always_inline]] inline void scale16_u8(uint8x16_t codes, float d, float* out) {
  float32x4_t f[4];
  u8_to_f32(codes, f);
  for (int i = 0; i < 4; ++i) vst1q_f32(out + 4 * i, vmulq_n_f32(f[i], d));
}
[[gnu::always_inline]] inline void scale16_s8(int8x16_t codes, float d, float* out) {
  float32x4_t f[4];
  s8_to_f32(codes, f);
  for (int i = 0; i < 4; ++i) vst1q_f32(out + 4 * i, vmulq_n_f32(f[i], d));
}

// ---- each format: params() and groups(), which calls f(first element, sub-block, q[4]) for the
// 16 groups of a super-block (sub-blocks of 32 elements span two groups).

struct Q2K {
  using Block = BlockQ2_K;
  static constexpr bool kMin = true;
  static void params(const Block& b, Params* p) {
    const uint8x16_t codes = vld1q_u8(b.scales);
    scale16_u8(vandq_u8(codes, vdupq_n_u8(0xF)), half_to_float(b.d), p->scale);
    scale16_u8(vshrq_n_u8(codes, 4), half_to_float(b.dmin), p->offset);
  }
  template <typename F>
  [[gnu::always_inline]] static void groups(const Block& b, F&& f) {
    for (int h = 0; h < 2; ++h) {
      for (int half = 0; half < 2; ++half) {
        const uint8x16_t v = vld1q_u8(b.qs + 32 * h + 16 * half);
        for (int j = 0; j < 4; ++j) {
          const uint8x16_t q = vandq_u8(j == 0 ? v : vshlq_u8(v, vdupq_n_s8(static_cast<int8_t>(-2 * j))), vdupq_n_u8(3));
          float32x4_t qf[4];
          u8_to_f32(q, qf);
          f(128 * h + 32 * j + 16 * half, 8 * h + 2 * j + half, qf);
        }
      }
    }
  }
};

struct Q3K {
  using Block = BlockQ3_K;
  static constexpr bool kMin = false;
  static void params(const Block& b, Params* p) {
    uint8_t biased[16];
    q3k_biased_scales(b.scales, biased);
    scale16_s8(vsubq_s8(vreinterpretq_s8_u8(vld1q_u8(biased)), vdupq_n_s8(32)), half_to_float(b.d), p->scale);
  }
  template <typename F>
  [[gnu::always_inline]] static void groups(const Block& b, F&& f) {
    for (int half = 0; half < 2; ++half) {
      const uint8x16_t hm = vld1q_u8(b.hmask + 16 * half);
      for (int h = 0; h < 2; ++h) {
        const uint8x16_t v = vld1q_u8(b.qs + 32 * h + 16 * half);
        for (int j = 0; j < 4; ++j) {
          const int8x16_t sh = vdupq_n_s8(static_cast<int8_t>(-2 * j));
          const uint8x16_t low = vandq_u8(vshlq_u8(v, sh), vdupq_n_u8(3));
          const uint8x16_t bit = vandq_u8(vtstq_u8(hm, vdupq_n_u8(static_cast<uint8_t>(1u << (4 * h + j)))), vdupq_n_u8(4));
          const int8x16_t q = vsubq_s8(vreinterpretq_s8_u8(vorrq_u8(low, bit)), vdupq_n_s8(4));
          float32x4_t qf[4];
          s8_to_f32(q, qf);
          f(128 * h + 32 * j + 16 * half, 8 * h + 2 * j + half, qf);
        }
      }
    }
  }
};

template <bool kFifth>
struct Q4KFamily {
  using Block = std::conditional_t<kFifth, BlockQ5_K, BlockQ4_K>;
  static constexpr bool kMin = true;
  static void params(const Block& b, Params* p) {
    uint8_t scales[8], mins[8];
    q4k_scales_mins(b.scales, scales, mins);
    const float32x4_t d = vdupq_n_f32(half_to_float(b.d)), dmin = vdupq_n_f32(half_to_float(b.dmin));
    const uint16x8_t s = vmovl_u8(vld1_u8(scales)), m = vmovl_u8(vld1_u8(mins));
    // Tables indexed by sub-block of 32 (groups() passes those).
    vst1q_f32(p->scale, vmulq_f32(vcvtq_f32_u32(vmovl_u16(vget_low_u16(s))), d));
    vst1q_f32(p->scale + 4, vmulq_f32(vcvtq_f32_u32(vmovl_high_u16(s)), d));
    vst1q_f32(p->offset, vmulq_f32(vcvtq_f32_u32(vmovl_u16(vget_low_u16(m))), dmin));
    vst1q_f32(p->offset + 4, vmulq_f32(vcvtq_f32_u32(vmovl_high_u16(m)), dmin));
  }
  template <typename F>
  [[gnu::always_inline]] static void groups(const Block& b, F&& f) {
    for (int half = 0; half < 2; ++half) {
      uint8x16_t qh = vdupq_n_u8(0);
      if constexpr (kFifth) qh = vld1q_u8(b.qh + 16 * half);
      for (int c = 0; c < 4; ++c) {
        const uint8x16_t v = vld1q_u8(b.qs + 32 * c + 16 * half);
        uint8x16_t lo = vandq_u8(v, vdupq_n_u8(0xF)), hi = vshrq_n_u8(v, 4);
        if constexpr (kFifth) {
          const uint8x16_t sixteen = vdupq_n_u8(16);
          lo = vorrq_u8(lo, vandq_u8(vtstq_u8(qh, vdupq_n_u8(static_cast<uint8_t>(1u << (2 * c)))), sixteen));
          hi = vorrq_u8(hi, vandq_u8(vtstq_u8(qh, vdupq_n_u8(static_cast<uint8_t>(2u << (2 * c)))), sixteen));
        }
        float32x4_t qf[4];
        u8_to_f32(lo, qf);
        f(64 * c + 16 * half, 2 * c, qf);
        u8_to_f32(hi, qf);
        f(64 * c + 32 + 16 * half, 2 * c + 1, qf);
      }
    }
  }
};

struct Q6K {
  using Block = BlockQ6_K;
  static constexpr bool kMin = false;
  static void params(const Block& b, Params* p) { scale16_s8(vld1q_s8(b.scales), half_to_float(b.d), p->scale); }
  template <typename F>
  [[gnu::always_inline]] static void groups(const Block& b, F&& f) {
    for (int h = 0; h < 2; ++h) {
      for (int half = 0; half < 2; ++half) {
        const uint8x16_t a = vld1q_u8(b.ql + 64 * h + 16 * half);
        const uint8x16_t c = vld1q_u8(b.ql + 64 * h + 32 + 16 * half);
        const uint8x16_t hb = vld1q_u8(b.qh + 32 * h + 16 * half);
        const uint8x16_t low4 = vdupq_n_u8(0xF), top2 = vdupq_n_u8(0x30);
        const uint8x16_t q[4] = {
            vorrq_u8(vandq_u8(a, low4), vandq_u8(vshlq_n_u8(hb, 4), top2)),
            vorrq_u8(vandq_u8(c, low4), vandq_u8(vshlq_n_u8(hb, 2), top2)),
            vorrq_u8(vshrq_n_u8(a, 4), vandq_u8(hb, top2)),
            vorrq_u8(vshrq_n_u8(c, 4), vandq_u8(vshrq_n_u8(hb, 2), top2)),
        };
        for (int j = 0; j < 4; ++j) {
          float32x4_t qf[4];
          s8_to_f32(vsubq_s8(vreinterpretq_s8_u8(q[j]), vdupq_n_s8(32)), qf);
          f(128 * h + 32 * j + 16 * half, 8 * h + 2 * j + half, qf);
        }
      }
    }
  }
};

template <typename T>
float dot_row(const void* w, const float* x, int64_t n) {
  const auto* blocks = static_cast<const typename T::Block*>(w);
  float32x4_t acc[4] = {vdupq_n_f32(0.0f), vdupq_n_f32(0.0f), vdupq_n_f32(0.0f), vdupq_n_f32(0.0f)};
  for (int64_t i = 0; i < n / kN; ++i) {
    Params p;
    T::params(blocks[i], &p);
    const float* xb = x + i * kN;
    if constexpr (T::kMin) {
      T::groups(blocks[i], [&](int e, int s, const float32x4_t* q) {
        const float32x4_t m = vdupq_n_f32(-p.offset[s]);
        for (int k = 0; k < 4; ++k)
          acc[k] = vfmaq_f32(acc[k], vfmaq_n_f32(m, q[k], p.scale[s]), vld1q_f32(xb + e + 4 * k));
      });
    } else {
      int g = 0;
      T::groups(blocks[i], [&](int e, int s, const float32x4_t* q) {
        acc[g % 4] = vfmaq_n_f32(acc[g % 4], dot16(q, xb + e), p.scale[s]);
        ++g;
      });
    }
  }
  return vaddvq_f32(sum4(acc));
}

template <typename T>
void dequant_row(const void* src, float* dst, int64_t n) {
  const auto* blocks = static_cast<const typename T::Block*>(src);
  for (int64_t i = 0; i < n / kN; ++i) {
    Params p;
    T::params(blocks[i], &p);
    float* yb = dst + i * kN;
    T::groups(blocks[i], [&](int e, int s, const float32x4_t* q) {
      const float32x4_t scale = vdupq_n_f32(p.scale[s]);
      for (int k = 0; k < 4; ++k) {
        if constexpr (T::kMin) {
          vst1q_f32(yb + e + 4 * k, vsubq_f32(mul_rounded(q[k], scale), vdupq_n_f32(p.offset[s])));
        } else {
          vst1q_f32(yb + e + 4 * k, vmulq_f32(q[k], scale));
        }
      }
    });
  }
}

}  // namespace

void register_quant_kquant_neon(KernelTable& t) {
  set_simd_weight_kernels<dot_row<Q2K>>(t, DType::kQ2_K, Isa::kNeon, dequant_row<Q2K>);
  set_simd_weight_kernels<dot_row<Q3K>>(t, DType::kQ3_K, Isa::kNeon, dequant_row<Q3K>);
  set_simd_weight_kernels<dot_row<Q4KFamily<false>>>(t, DType::kQ4_K, Isa::kNeon,
      dequant_row<Q4KFamily<false>>);
  set_simd_weight_kernels<dot_row<Q4KFamily<true>>>(t, DType::kQ5_K, Isa::kNeon,
      dequant_row<Q4KFamily<true>>);
  set_simd_weight_kernels<dot_row<Q6K>>(t, DType::kQ6_K, Isa::kNeon, dequant_row<Q6K>);
}

}  // namespace coreinfer::kernels
