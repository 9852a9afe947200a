// NEON kernels of the packed layouts (kernels/quant/packed.h).
//
// A 64-byte group is four 16-byte vectors V[m] (words 4 m .. 4 m + 3). Element 16 k + 4 m + i
// (i < 4) sits in lane i of V[m] under the mask 0xF << 4 k (Q4_0P, Q4_KP) or 0x3F << 6 j (Q6_KP,
// group 5 v + j of vector v): one AND and one unsigned conversion give q * 2^(4 k) (or 2^(6 j))
// exactly in fp32, with no shift, and the power of two is folded into the scale:
//   Q4_0P: (q - 8) * 2^(4 k) by one exact subtraction; the dot sums its products with x over the
//          16 elements of k and adds that partial times d * 2^(-4 k) (the block trick of the
//          GGUF Q4_0 kernel, with the power of two moved into the scale);
//   Q4_KP: w = fma(q * 2^(4 k), (d * scale) * 2^(-4 k), -dmin * min), then fma(w, x);
//   Q6_KP: w = fma(q * 2^(6 j), (d * scale) * 2^(-6 j), -32 * d * scale) (exact, see packed.h);
//          group 15 gathers its three 2-bit pieces with two shift-inserts (vsri) into the top
//          6 bits: q * 2^26.
// The decoders use integer (q - offset) * 2^(..) and one multiply, so zero weights keep the sign
// of the scale as in the GGUF decoder.
//
// Each (row, vector) pair has its own accumulators, fed the same products in the same order
// whatever the number of rows or vectors in the pass, and the same final reduction: one vector
// runs rows in pairs (two independent streams), several vectors run one row against up to four
// of them at a time (each decoded weight vector feeding them all); every result is bit-identical
// to the one-row one-vector call. The loops over a group's 16-element steps stay rolled, with a
// running mask: fully unrolled, GCC's pre-allocation scheduler interleaves them and spills.
#include <algorithm>
#include <cstring>

#include "kernels/arm/quant_arm.h"
#include "kernels/quant/blocks.h"
#include "kernels/quant/packed.h"

namespace coreinfer::kernels {
namespace {

using namespace neon;

constexpr int kB = kLegacyBlockSize;
constexpr int kN = kSuperBlockSize;
constexpr int kMaxNx = 4;  // vectors per pass

[[gnu::always_inline]] inline void load_group(const uint8_t* p, uint32x4_t* v) {
  for (int m = 0; m < 4; ++m) v[m] = vreinterpretq_u32_u8(vld1q_u8(p + 16 * m));
}
// Lanes of v under `mask`, as exact fp32.
[[gnu::always_inline]] inline float32x4_t masked(uint32x4_t v, uint32x4_t mask) {
  return vcvtq_f32_u32(vandq_u32(v, mask));
}
[[gnu::always_inline]] inline float32x4_t masked(uint32x4_t v, uint32_t mask) { return masked(v, vdupq_n_u32(mask)); }
// The same, minus `offset` first (in int32: the result is a signed multiple of the mask's
// lowest bit and fits), so that a zero weight is +0 times the scale.
[[gnu::always_inline]] inline float32x4_t masked_centred(uint32x4_t v, uint32_t mask, uint32_t offset) {
  return vcvtq_f32_s32(vreinterpretq_s32_u32(vsubq_u32(vandq_u32(v, vdupq_n_u32(mask)), vdupq_n_u32(offset))));
}

// Zeroes R x NX x kAcc accumulators; reduce() sums each pair's in order, then across lanes.
template <int R, int NX, int kAcc>
[[gnu::always_inline]] inline void zero(float32x4_t (&acc)[R][NX][kAcc]) {
  for (int r = 0; r < R; ++r)
    for (int j = 0; j < NX; ++j)
      for (int k = 0; k < kAcc; ++k) acc[r][j][k] = vdupq_n_f32(0.0f);
}
template <int R, int NX, int kAcc>
[[gnu::always_inline]] inline void reduce(const float32x4_t (&acc)[R][NX][kAcc], float* out) {
  for (int r = 0; r < R; ++r) {
    for (int j = 0; j < NX; ++j) {
      float32x4_t s = acc[r][j][0];
      for (int k = 1; k < kAcc; ++k) s = vaddq_f32(s, acc[r][j][k]);
      out[r * NX + j] = vaddvq_f32(s);
    }
  }
}

// 2^(-shift) for shift < 32, exact.
constexpr float pow2_neg(int shift) { return 1.0f / static_cast<float>(1ull << shift); }

// ---------------- Q4_0P ----------------

// 16 elements (nibble k of the four vectors of a group, already (q - 8) * 2^(4 k) in q[4])
// against NX vectors: acc[j] += sum(q * x) * dk.
template <int NX>
[[gnu::always_inline]] inline void q4_0p_step(const float32x4_t* q, const float* x, int64_t xs, float dk,
                                              float32x4_t (&acc)[NX]) {
  for (int j = 0; j < NX; ++j) acc[j] = vfmaq_n_f32(acc[j], dot16(q, x + j * xs), dk);
}

// R rows against NX vectors; out[r * NX + j].
template <int R, int NX>
[[gnu::noinline]] void q4_0p_kernel(const uint8_t* const* rows, const float* x, int64_t xs, float* out, int64_t n) {
  const int64_t nb = n / kB;
  const int64_t n_groups = nb / kQ4_0GroupBlocks;
  const float32x4_t even = {1.0f, pow2_neg(8), pow2_neg(16), pow2_neg(24)};
  const float32x4_t odd = {pow2_neg(4), pow2_neg(12), pow2_neg(20), pow2_neg(28)};
  float32x4_t acc[R][2][NX];
  for (int r = 0; r < R; ++r)
    for (int a = 0; a < 2; ++a)
      for (int j = 0; j < NX; ++j) acc[r][a][j] = vdupq_n_f32(0.0f);
  for (int64_t g = 0; g < n_groups; ++g) {
    for (int r = 0; r < R; ++r) {
      // d * 2^(-4 k) for k = 0..7: blocks 0..3 of the group times 2^(-8 b) (k = 2 b) and 2^(-8 b - 4).
      const float32x4_t d = load_half4(rows[r] + 2 * kQ4_0GroupBlocks * g);
      float dk[2][4];
      vst1q_f32(dk[0], vmulq_f32(d, even));
      vst1q_f32(dk[1], vmulq_f32(d, odd));
      uint32x4_t v[4];
      load_group(rows[r] + 2 * nb + kPackedGroupBytes * g, v);
      uint32x4_t mask = vdupq_n_u32(0xF);
      float32x4_t bias = vdupq_n_f32(8.0f);
      const float* xg = x + 128 * g;
#pragma GCC unroll 1
      for (int b = 0; b < 4; ++b) {
        float32x4_t q[4];
        for (int m = 0; m < 4; ++m) q[m] = vsubq_f32(masked(v[m], mask), bias);
        q4_0p_step<NX>(q, xg + 32 * b, xs, dk[0][b], acc[r][0]);
        mask = vshlq_n_u32(mask, 4);
        bias = vmulq_n_f32(bias, 16.0f);
        for (int m = 0; m < 4; ++m) q[m] = vsubq_f32(masked(v[m], mask), bias);
        q4_0p_step<NX>(q, xg + 32 * b + 16, xs, dk[1][b], acc[r][1]);
        mask = vshlq_n_u32(mask, 4);
        bias = vmulq_n_f32(bias, 16.0f);
      }
    }
  }
  for (int64_t b = n_groups * kQ4_0GroupBlocks; b < nb; ++b) {  // trailing blocks, GGUF order
    for (int r = 0; r < R; ++r) {
      const float d = load_half(rows[r] + 2 * b);
      const uint8x16_t bytes = vld1q_u8(rows[r] + 2 * nb + 16 * b);
      const int8x16_t eight = vdupq_n_s8(8);
      float32x4_t q[8];
      s8_to_f32(vsubq_s8(vreinterpretq_s8_u8(vandq_u8(bytes, vdupq_n_u8(0xF))), eight), q);
      s8_to_f32(vsubq_s8(vreinterpretq_s8_u8(vshrq_n_u8(bytes, 4)), eight), q + 4);
      q4_0p_step<NX>(q, x + kB * b, xs, d, acc[r][0]);
      q4_0p_step<NX>(q + 4, x + kB * b + 16, xs, d, acc[r][1]);
    }
  }
  for (int r = 0; r < R; ++r)
    for (int j = 0; j < NX; ++j) out[r * NX + j] = vaddvq_f32(vaddq_f32(acc[r][0][j], acc[r][1][j]));
}

void dequant_q4_0p(const void* src, float* dst, int64_t n) {
  const auto* p = static_cast<const uint8_t*>(src);
  const int64_t nb = n / kB;
  const int64_t n_groups = nb / kQ4_0GroupBlocks;
  for (int64_t g = 0; g < n_groups; ++g) {
    uint32x4_t v[4];
    load_group(p + 2 * nb + kPackedGroupBytes * g, v);
    const float32x4_t d = load_half4(p + 2 * kQ4_0GroupBlocks * g);
    const float32x4_t even = {1.0f, pow2_neg(8), pow2_neg(16), pow2_neg(24)};
    const float32x4_t odd = {pow2_neg(4), pow2_neg(12), pow2_neg(20), pow2_neg(28)};
    float dk[2][4];
    vst1q_f32(dk[0], vmulq_f32(d, even));
    vst1q_f32(dk[1], vmulq_f32(d, odd));
#pragma GCC unroll 8
    for (int k = 0; k < 8; ++k) {
      const float32x4_t scale = vdupq_n_f32(dk[k & 1][k / 2]);
      for (int m = 0; m < 4; ++m)
        vst1q_f32(dst + 128 * g + 16 * k + 4 * m, vmulq_f32(masked_centred(v[m], 0xFu << (4 * k), 8u << (4 * k)), scale));
    }
  }
  for (int64_t b = n_groups * kQ4_0GroupBlocks; b < nb; ++b) {
    const float32x4_t d = vdupq_n_f32(load_half(p + 2 * b));
    const uint8x16_t bytes = vld1q_u8(p + 2 * nb + 16 * b);
    const int8x16_t eight = vdupq_n_s8(8);
    float32x4_t q[8];
    s8_to_f32(vsubq_s8(vreinterpretq_s8_u8(vandq_u8(bytes, vdupq_n_u8(0xF))), eight), q);
    s8_to_f32(vsubq_s8(vreinterpretq_s8_u8(vshrq_n_u8(bytes, 4)), eight), q + 4);
    for (int k = 0; k < 8; ++k) vst1q_f32(dst + kB * b + 4 * k, vmulq_f32(q[k], d));
  }
}

// ---------------- Q4_KP ----------------

// d * scale and dmin * min of the 8 sub-blocks of super-block s.
struct Q4KParams {
  float scale[8], offset[8];
};
[[gnu::always_inline]] inline void q4kp_params(const uint8_t* header, Q4KParams* p) {
  uint8_t scales[8], mins[8];
  q4k_scales_mins(header + 4, scales, mins);
  const float32x4_t d = vdupq_n_f32(load_half(header)), dmin = vdupq_n_f32(load_half(header + 2));
  const uint16x8_t s = vmovl_u8(vld1_u8(scales)), m = vmovl_u8(vld1_u8(mins));
  vst1q_f32(p->scale, vmulq_f32(vcvtq_f32_u32(vmovl_u16(vget_low_u16(s))), d));
  vst1q_f32(p->scale + 4, vmulq_f32(vcvtq_f32_u32(vmovl_high_u16(s)), d));
  vst1q_f32(p->offset, vmulq_f32(vcvtq_f32_u32(vmovl_u16(vget_low_u16(m))), dmin));
  vst1q_f32(p->offset + 4, vmulq_f32(vcvtq_f32_u32(vmovl_high_u16(m)), dmin));
}

template <int R, int NX>
[[gnu::noinline]] void q4kp_kernel(const uint8_t* const* rows, const float* x, int64_t xs, float* out, int64_t n) {
  const int64_t ns = n / kN;
  float32x4_t acc[R][NX][4];
  zero(acc);
  for (int64_t s = 0; s < ns; ++s) {
    for (int r = 0; r < R; ++r) {
      Q4KParams p;
      q4kp_params(rows[r] + kQ4KHeaderBytes * s, &p);
#pragma GCC unroll 1
      for (int h = 0; h < 2; ++h) {
        uint32x4_t v[4];
        load_group(rows[r] + kQ4KHeaderBytes * ns + 128 * s + kPackedGroupBytes * h, v);
        uint32x4_t mask = vdupq_n_u32(0xF);
        float pow2 = 1.0f;
#pragma GCC unroll 1
        for (int k = 0; k < 8; ++k) {
          const int sub = 4 * h + k / 2;
          const float mul = p.scale[sub] * pow2;
          const float32x4_t off = vdupq_n_f32(-p.offset[sub]);
          const float* xk = x + kN * s + 128 * h + 16 * k;
          for (int m = 0; m < 4; ++m) {
            const float32x4_t w = vfmaq_n_f32(off, masked(v[m], mask), mul);
            for (int j = 0; j < NX; ++j) acc[r][j][m] = vfmaq_f32(acc[r][j][m], w, vld1q_f32(xk + j * xs + 4 * m));
          }
          mask = vshlq_n_u32(mask, 4);
          pow2 *= 1.0f / 16;
        }
      }
    }
  }
  reduce(acc, out);
}

void dequant_q4_kp(const void* src, float* dst, int64_t n) {
  const auto* p = static_cast<const uint8_t*>(src);
  const int64_t ns = n / kN;
  for (int64_t s = 0; s < ns; ++s) {
    Q4KParams params;
    q4kp_params(p + kQ4KHeaderBytes * s, &params);
    for (int h = 0; h < 2; ++h) {
      uint32x4_t v[4];
      load_group(p + kQ4KHeaderBytes * ns + 128 * s + kPackedGroupBytes * h, v);
#pragma GCC unroll 8
      for (int k = 0; k < 8; ++k) {
        const int sub = 4 * h + k / 2;
        const float32x4_t mul = vdupq_n_f32(params.scale[sub] * pow2_neg(4 * k));
        const float32x4_t off = vdupq_n_f32(params.offset[sub]);
        for (int m = 0; m < 4; ++m)
          vst1q_f32(dst + kN * s + 128 * h + 16 * k + 4 * m,
                    vsubq_f32(mul_rounded(masked(v[m], 0xFu << (4 * k)), mul), off));
      }
    }
  }
}

// ---------------- Q6_KP ----------------

constexpr int kQ6KGroups = 16;

// Group g's multiplier (d * scale) * 2^(-6 (g % 5)) (2^-26 for g = 15, whose q sits in the top
// 6 bits) and offset 32 * d * scale, for super-block s.
struct Q6KParams {
  float mul[kQ6KGroups], offset[kQ6KGroups];
};
constexpr int q6kp_shift(int g) { return g < 15 ? 6 * (g % kQ6KFieldsPerWord) : 26; }
constexpr uint32_t q6kp_mask(int g) { return 0x3Fu << q6kp_shift(g); }

[[gnu::always_inline]] inline void q6kp_params(const uint8_t* p, int64_t ns, int64_t s, Q6KParams* out) {
  const float d = load_half(p + 2 * s);
  float32x4_t ds[4];
  s8_to_f32(vld1q_s8(reinterpret_cast<const int8_t*>(p + 2 * ns + 16 * s)), ds);
  for (int i = 0; i < 4; ++i) {
    ds[i] = vmulq_n_f32(ds[i], d);
    const float32x4_t pow2 = {pow2_neg(q6kp_shift(4 * i)), pow2_neg(q6kp_shift(4 * i + 1)),
                              pow2_neg(q6kp_shift(4 * i + 2)), pow2_neg(q6kp_shift(4 * i + 3))};
    vst1q_f32(out->mul + 4 * i, vmulq_f32(ds[i], pow2));
    vst1q_f32(out->offset + 4 * i, vmulq_n_f32(ds[i], 32.0f));
  }
}

// The three vectors of a super-block's quants: v[3][4].
[[gnu::always_inline]] inline void q6kp_load(const uint8_t* qs, uint32x4_t (*v)[4]) {
  for (int c = 0; c < 3; ++c) load_group(qs + 64 * c, v[c]);
}
// Lanes of group g (16 elements: lane i of part m is element 16 g + 4 m + i), still masked
// in place: q << q6kp_shift(g) in the bits of q6kp_mask(g).
[[gnu::always_inline]] inline uint32x4_t q6kp_part(const uint32x4_t (*v)[4], int g, int m) {
  if (g < 15) return v[g / kQ6KFieldsPerWord][m];
  return vsriq_n_u32(vsriq_n_u32(v[0][m], v[1][m], 2), v[2][m], 4);
}

// Groups 5 c .. 5 c + 4 come from vector c (one load, a running mask); group 15 from all three.
template <int R, int NX>
[[gnu::noinline]] void q6kp_kernel(const uint8_t* const* rows, const float* x, int64_t xs, float* out, int64_t n) {
  const int64_t ns = n / kN;
  float32x4_t acc[R][NX][4];
  zero(acc);
  for (int64_t s = 0; s < ns; ++s) {
    for (int r = 0; r < R; ++r) {
      Q6KParams p;
      q6kp_params(rows[r], ns, s, &p);
      const uint8_t* qs = rows[r] + kQ6KScaleBytes * ns + kQ6KQuantBytes * s;
      const float* xs0 = x + kN * s;
#pragma GCC unroll 1
      for (int g = 0; g < kQ6KGroups; ++g) {
        uint32x4_t v[4];
        uint32x4_t mask;
        if (g < 15) {
          load_group(qs + 64 * (g / kQ6KFieldsPerWord), v);
          mask = vdupq_n_u32(q6kp_mask(g));
        } else {
          uint32x4_t v3[3][4];
          q6kp_load(qs, v3);
          for (int m = 0; m < 4; ++m) v[m] = q6kp_part(v3, 15, m);
          mask = vdupq_n_u32(q6kp_mask(15));
        }
        const float32x4_t off = vdupq_n_f32(-p.offset[g]);
        for (int m = 0; m < 4; ++m) {
          const float32x4_t w = vfmaq_n_f32(off, masked(v[m], mask), p.mul[g]);
          for (int j = 0; j < NX; ++j)
            acc[r][j][m] = vfmaq_f32(acc[r][j][m], w, vld1q_f32(xs0 + j * xs + 16 * g + 4 * m));
        }
      }
    }
  }
  reduce(acc, out);
}

void dequant_q6_kp(const void* src, float* dst, int64_t n) {
  const auto* p = static_cast<const uint8_t*>(src);
  const int64_t ns = n / kN;
  for (int64_t s = 0; s < ns; ++s) {
    Q6KParams params;
    q6kp_params(p, ns, s, &params);
    uint32x4_t v[3][4];
    q6kp_load(p + kQ6KScaleBytes * ns + kQ6KQuantBytes * s, v);
#pragma GCC unroll 16
    for (int g = 0; g < kQ6KGroups; ++g) {
      const float32x4_t mul = vdupq_n_f32(params.mul[g]);
      for (int m = 0; m < 4; ++m) {
        const float32x4_t q = masked_centred(q6kp_part(v, g, m), q6kp_mask(g), 32u << q6kp_shift(g));
        vst1q_f32(dst + kN * s + 16 * g + 4 * m, vmulq_f32(q, mul));
      }
    }
  }
}

// ---------------- the DotMultiFn driver ----------------

template <template <int, int> class K>
void dot_multi(const void* w, size_t row_stride, int64_t n_rows, const float* x, int64_t x_stride, int64_t n_x,
               float* y, int64_t y_stride, int64_t n) {
  const auto* base = static_cast<const uint8_t*>(w);
  float out[2 * kMaxNx];
  int64_t r = 0;
  if (n_x == 1) {
    // Row i with row i + half: two sequential streams for the prefetchers.
    const int64_t half = n_rows / 2;
    for (int64_t i = 0; i < half; ++i) {
      const uint8_t* rows[2] = {base + i * row_stride, base + (i + half) * row_stride};
      K<2, 1>::run(rows, x, x_stride, out, n);
      y[i] = out[0];
      y[i + half] = out[1];
    }
    r = 2 * half;
  }
  for (; r < n_rows; ++r) {
    const uint8_t* rows[1] = {base + r * row_stride};
    for (int64_t j0 = 0; j0 < n_x; j0 += kMaxNx) {
      const int64_t nx = std::min<int64_t>(kMaxNx, n_x - j0);
      const float* xj = x + j0 * x_stride;
      switch (nx) {
        case 1: K<1, 1>::run(rows, xj, x_stride, out, n); break;
        case 2: K<1, 2>::run(rows, xj, x_stride, out, n); break;
        case 3: K<1, 3>::run(rows, xj, x_stride, out, n); break;
        default: K<1, 4>::run(rows, xj, x_stride, out, n); break;
      }
      for (int64_t j = 0; j < nx; ++j) y[(j0 + j) * y_stride + r] = out[j];
    }
  }
}

template <int R, int NX>
struct Q4_0P {
  static void run(const uint8_t* const* rows, const float* x, int64_t xs, float* out, int64_t n) {
    q4_0p_kernel<R, NX>(rows, x, xs, out, n);
  }
};
template <int R, int NX>
struct Q4_KP {
  static void run(const uint8_t* const* rows, const float* x, int64_t xs, float* out, int64_t n) {
    q4kp_kernel<R, NX>(rows, x, xs, out, n);
  }
};
template <int R, int NX>
struct Q6_KP {
  static void run(const uint8_t* const* rows, const float* x, int64_t xs, float* out, int64_t n) {
    q6kp_kernel<R, NX>(rows, x, xs, out, n);
  }
};

}  // namespace

void register_quant_packed_neon(KernelTable& t) {
  set_simd_packed_kernels(t, DType::kQ4_0, Isa::kNeon, dequant_q4_0p, dot_multi<Q4_0P>);
  set_simd_packed_kernels(t, DType::kQ4_K, Isa::kNeon, dequant_q4_kp, dot_multi<Q4_KP>);
  set_simd_packed_kernels(t, DType::kQ6_K, Isa::kNeon, dequant_q6_kp, dot_multi<Q6_KP>);
}

}  // namespace coreinfer::kernels
