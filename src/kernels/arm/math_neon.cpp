// NEON fp32 kernels (Armv8.0): dot, rmsnorm, softmax, silu_mul, axpy, rope, and the GEMM of
// gemm_f32_neon.cpp. Tails of fewer than 4 elements go through a zero-padded 4-float copy, so
// they use the same vector code and never touch memory past the end. exp (softmax, silu) and
// sin/cos (rope) are vectorised; in rope they are the cost, not the rotation.
#include <arm_neon.h>

#include <cmath>

#include "kernels/arm/math_arm.h"
#include "kernels/kernel_table.h"

namespace coreinfer::kernels {
namespace {

inline float32x4_t load_partial(const float* src, int64_t count, float fill) {
  float t[4] = {fill, fill, fill, fill};
  for (int64_t i = 0; i < count; ++i) t[i] = src[i];
  return vld1q_f32(t);
}

inline void store_partial(float* dst, float32x4_t v, int64_t count) {
  float t[4];
  vst1q_f32(t, v);
  for (int64_t i = 0; i < count; ++i) dst[i] = t[i];
}

// 2^n for integral n in [-150, 129], times p, rounded once: 2^n is applied as two normal
// factors 2^(n>>1) and 2^(n - (n>>1)), the first product exact, so subnormal results round
// correctly and 2^128 * (p < 1) stays finite.
inline float32x4_t scale_pow2(float32x4_t p, float32x4_t n) {
  const int32x4_t ni = vcvtq_s32_f32(n);
  const int32x4_t n1 = vshrq_n_s32(ni, 1), n2 = vsubq_s32(ni, n1);
  const int32x4_t bias = vdupq_n_s32(127);
  const float32x4_t s1 = vreinterpretq_f32_s32(vshlq_n_s32(vaddq_s32(n1, bias), 23));
  const float32x4_t s2 = vreinterpretq_f32_s32(vshlq_n_s32(vaddq_s32(n2, bias), 23));
  return vmulq_f32(vmulq_f32(p, s1), s2);
}

// exp(x) within 1 ulp: x = n*ln2 + r with |r| <= ln2/2 (ln2 in two parts, the first product
// exact), exp(r) by its Taylor series to r^7 (truncation < 1e-8 relative), then 2^n.
// +inf above 88.72, 0 (through the subnormals) below -103.9, NaN for NaN (fmax/fmin keep it).
inline float32x4_t exp_f32x4(float32x4_t x) {
  x = vminq_f32(vdupq_n_f32(89.0f), vmaxq_f32(vdupq_n_f32(-104.0f), x));
  const float32x4_t n = vrndnq_f32(vmulq_f32(x, vdupq_n_f32(1.44269504088896341f)));
  float32x4_t r = vfmsq_f32(x, n, vdupq_n_f32(0.693147182464599609375f));  // ln2 rounded to float
  r = vfmsq_f32(r, n, vdupq_n_f32(-1.904654299957768e-09f));                // ln2 - the above
  float32x4_t p = vdupq_n_f32(1.0f / 5040);
  p = vfmaq_f32(vdupq_n_f32(1.0f / 720), p, r);
  p = vfmaq_f32(vdupq_n_f32(1.0f / 120), p, r);
  p = vfmaq_f32(vdupq_n_f32(1.0f / 24), p, r);
  p = vfmaq_f32(vdupq_n_f32(1.0f / 6), p, r);
  p = vfmaq_f32(vdupq_n_f32(0.5f), p, r);
  p = vfmaq_f32(vdupq_n_f32(1.0f), p, r);
  p = vfmaq_f32(vdupq_n_f32(1.0f), p, r);
  return scale_pow2(p, n);
}

float dot_f32_neon(const float* a, const float* b, int64_t n) { return arm_gemm::dot_neon(a, b, n); }

float sum_of_squares(const float* x, int64_t n) {
  float32x4_t acc0 = vdupq_n_f32(0.0f), acc1 = acc0, acc2 = acc0, acc3 = acc0;
  int64_t i = 0;
  for (; i + 16 <= n; i += 16) {
    const float32x4_t v0 = vld1q_f32(x + i), v1 = vld1q_f32(x + i + 4), v2 = vld1q_f32(x + i + 8),
                      v3 = vld1q_f32(x + i + 12);
    acc0 = vfmaq_f32(acc0, v0, v0);
    acc1 = vfmaq_f32(acc1, v1, v1);
    acc2 = vfmaq_f32(acc2, v2, v2);
    acc3 = vfmaq_f32(acc3, v3, v3);
  }
  for (; i + 4 <= n; i += 4) {
    const float32x4_t v = vld1q_f32(x + i);
    acc0 = vfmaq_f32(acc0, v, v);
  }
  if (i < n) {
    const float32x4_t v = load_partial(x + i, n - i, 0.0f);
    acc1 = vfmaq_f32(acc1, v, v);
  }
  return vaddvq_f32(vaddq_f32(vaddq_f32(acc0, acc1), vaddq_f32(acc2, acc3)));
}

void rmsnorm_neon(const float* x, const float* w, float* y, int64_t n, float eps) {
  const float mean = n > 0 ? sum_of_squares(x, n) / static_cast<float>(n) : 0.0f;
  const float32x4_t scale = vdupq_n_f32(1.0f / std::sqrt(mean + eps));
  int64_t i = 0;
  for (; i + 4 <= n; i += 4) vst1q_f32(y + i, vmulq_f32(vmulq_f32(vld1q_f32(x + i), scale), vld1q_f32(w + i)));
  if (i < n) {
    const float32x4_t xv = load_partial(x + i, n - i, 0.0f), wv = load_partial(w + i, n - i, 0.0f);
    store_partial(y + i, vmulq_f32(vmulq_f32(xv, scale), wv), n - i);
  }
}

void softmax_neon(float* x, int64_t n) {
  if (n <= 0) return;
  const float neg_inf = -__builtin_inff();
  float32x4_t vmax = vdupq_n_f32(neg_inf);
  int64_t i = 0;
  for (; i + 4 <= n; i += 4) vmax = vmaxq_f32(vmax, vld1q_f32(x + i));
  if (i < n) vmax = vmaxq_f32(vmax, load_partial(x + i, n - i, neg_inf));
  const float32x4_t max = vdupq_n_f32(vmaxvq_f32(vmax));

  float32x4_t sum0 = vdupq_n_f32(0.0f), sum1 = sum0;
  for (i = 0; i + 8 <= n; i += 8) {
    const float32x4_t e0 = exp_f32x4(vsubq_f32(vld1q_f32(x + i), max));
    const float32x4_t e1 = exp_f32x4(vsubq_f32(vld1q_f32(x + i + 4), max));
    vst1q_f32(x + i, e0);
    vst1q_f32(x + i + 4, e1);
    sum0 = vaddq_f32(sum0, e0);
    sum1 = vaddq_f32(sum1, e1);
  }
  for (; i + 4 <= n; i += 4) {
    const float32x4_t e = exp_f32x4(vsubq_f32(vld1q_f32(x + i), max));
    vst1q_f32(x + i, e);
    sum0 = vaddq_f32(sum0, e);
  }
  if (i < n) {
    // Padding with -inf gives exp = 0, which leaves the sum alone.
    const float32x4_t e = exp_f32x4(vsubq_f32(load_partial(x + i, n - i, neg_inf), max));
    store_partial(x + i, e, n - i);
    sum1 = vaddq_f32(sum1, e);
  }
  const float32x4_t inv_sum = vdupq_n_f32(1.0f / vaddvq_f32(vaddq_f32(sum0, sum1)));
  for (i = 0; i + 4 <= n; i += 4) vst1q_f32(x + i, vmulq_f32(vld1q_f32(x + i), inv_sum));
  if (i < n) store_partial(x + i, vmulq_f32(load_partial(x + i, n - i, 0.0f), inv_sum), n - i);
}

inline float32x4_t silu_mul_vec(float32x4_t g, float32x4_t u) {
  const float32x4_t e = exp_f32x4(vnegq_f32(g));
  return vmulq_f32(vdivq_f32(g, vaddq_f32(vdupq_n_f32(1.0f), e)), u);
}

void silu_mul_neon(const float* gate, const float* up, float* out, int64_t n) {
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const float32x4_t r0 = silu_mul_vec(vld1q_f32(gate + i), vld1q_f32(up + i));
    const float32x4_t r1 = silu_mul_vec(vld1q_f32(gate + i + 4), vld1q_f32(up + i + 4));
    vst1q_f32(out + i, r0);  // out may alias gate or up: both are read before the stores
    vst1q_f32(out + i + 4, r1);
  }
  for (; i + 4 <= n; i += 4) vst1q_f32(out + i, silu_mul_vec(vld1q_f32(gate + i), vld1q_f32(up + i)));
  if (i < n)
    store_partial(out + i, silu_mul_vec(load_partial(gate + i, n - i, 0.0f), load_partial(up + i, n - i, 0.0f)), n - i);
}

void axpy_neon(float a, const float* x, float* y, int64_t n) {
  const float32x4_t va = vdupq_n_f32(a);
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const float32x4_t y0 = vfmaq_f32(vld1q_f32(y + i), va, vld1q_f32(x + i));
    const float32x4_t y1 = vfmaq_f32(vld1q_f32(y + i + 4), va, vld1q_f32(x + i + 4));
    vst1q_f32(y + i, y0);
    vst1q_f32(y + i + 4, y1);
  }
  for (; i + 4 <= n; i += 4) vst1q_f32(y + i, vfmaq_f32(vld1q_f32(y + i), va, vld1q_f32(x + i)));
  if (i < n)
    store_partial(y + i, vfmaq_f32(load_partial(y + i, n - i, 0.0f), va, load_partial(x + i, n - i, 0.0f)), n - i);
}

// sin and cos of theta, |theta| <= kSinCosMax: theta = k*pi/2 + r, |r| <= pi/4 (about), with
// pi/2 in three float parts C1 + C2 + C3. theta - k*C1 is exact (the difference fits in a
// float's 24 bits), so the reduction error stays within an ulp of r. sin r and cos r by their
// Taylor series to r^9 and r^10 (truncation < 1e-9), then the quadrant k mod 4 swaps them and
// sets the signs. Measured: <= 1.2u absolute error against the exact values (libm: 0.55u) over
// 4M angles in [-2^17, 2^20), so the rotated pair stays well within the tests' 8u.
constexpr float kSinCosMax = 1048576.0f;  // 2^20; larger angles (never seen in practice) use libm

inline void sincos_f32x4(float32x4_t theta, float32x4_t* sin_out, float32x4_t* cos_out) {
  const int32x4_t k = vcvtnq_s32_f32(vmulq_f32(theta, vdupq_n_f32(0.636619772367581343f)));  // 2/pi
  const float32x4_t kf = vcvtq_f32_s32(k);
  float32x4_t r = vfmsq_f32(theta, kf, vdupq_n_f32(1.57079637050628662109375f));  // C1 = float(pi/2)
  r = vfmsq_f32(r, kf, vdupq_n_f32(-4.371138828673793e-8f));                       // C2 = float(pi/2 - C1)
  r = vfmsq_f32(r, kf, vdupq_n_f32(-1.7151245100058819e-15f));                     // C3, the rest
  const float32x4_t r2 = vmulq_f32(r, r);
  float32x4_t ps = vdupq_n_f32(1.0f / 362880);
  ps = vfmaq_f32(vdupq_n_f32(-1.0f / 5040), ps, r2);
  ps = vfmaq_f32(vdupq_n_f32(1.0f / 120), ps, r2);
  ps = vfmaq_f32(vdupq_n_f32(-1.0f / 6), ps, r2);
  const float32x4_t s = vfmaq_f32(r, vmulq_f32(r, r2), ps);
  float32x4_t pc = vdupq_n_f32(-1.0f / 3628800);
  pc = vfmaq_f32(vdupq_n_f32(1.0f / 40320), pc, r2);
  pc = vfmaq_f32(vdupq_n_f32(-1.0f / 720), pc, r2);
  pc = vfmaq_f32(vdupq_n_f32(1.0f / 24), pc, r2);
  pc = vfmaq_f32(vdupq_n_f32(-0.5f), pc, r2);
  const float32x4_t c = vfmaq_f32(vdupq_n_f32(1.0f), pc, r2);
  // Quadrant q = k mod 4: sin = (S, C, -S, -C)[q], cos = (C, -S, -C, S)[q].
  const uint32x4_t swap = vtstq_s32(k, vdupq_n_s32(1));
  const uint32x4_t sin_sign = vshlq_n_u32(vandq_u32(vreinterpretq_u32_s32(k), vdupq_n_u32(2)), 30);
  const uint32x4_t cos_sign =
      vshlq_n_u32(vandq_u32(vreinterpretq_u32_s32(vaddq_s32(k, vdupq_n_s32(1))), vdupq_n_u32(2)), 30);
  const float32x4_t sin_v = vbslq_f32(swap, c, s), cos_v = vbslq_f32(swap, s, c);
  *sin_out = vreinterpretq_f32_u32(veorq_u32(vreinterpretq_u32_f32(sin_v), sin_sign));
  *cos_out = vreinterpretq_f32_u32(veorq_u32(vreinterpretq_u32_f32(cos_v), cos_sign));
}

inline void rope_pair_scalar(float* x, float theta) {
  const float cos_t = std::cos(theta), sin_t = std::sin(theta);
  const float x0 = x[0], x1 = x[1];
  x[0] = x0 * cos_t - x1 * sin_t;
  x[1] = x0 * sin_t + x1 * cos_t;
}

void rope_neon(float* x, int64_t n_dims, float pos, const float* inv_freq) {
  const int64_t pairs = n_dims / 2;
  const float32x4_t vpos = vdupq_n_f32(pos);
  int64_t i = 0;
  for (; i + 4 <= pairs; i += 4) {
    const float32x4_t theta = vmulq_f32(vpos, vld1q_f32(inv_freq + i));
    // Not (|theta| <= max) rather than (|theta| > max), so that NaN angles go to libm too.
    if (vminvq_u32(vcaleq_f32(theta, vdupq_n_f32(kSinCosMax))) == 0) {
      for (int64_t l = 0; l < 4; ++l) rope_pair_scalar(x + 2 * (i + l), pos * inv_freq[i + l]);
      continue;
    }
    float32x4_t s, c;
    sincos_f32x4(theta, &s, &c);
    const float32x4x2_t v = vld2q_f32(x + 2 * i);  // even and odd elements
    float32x4x2_t out;
    out.val[0] = vfmsq_f32(vmulq_f32(v.val[0], c), v.val[1], s);
    out.val[1] = vfmaq_f32(vmulq_f32(v.val[0], s), v.val[1], c);
    vst2q_f32(x + 2 * i, out);
  }
  for (; i < pairs; ++i) rope_pair_scalar(x + 2 * i, pos * inv_freq[i]);
}

}  // namespace

void register_math_neon(KernelTable& t) {
  t.gemm_nt_f32 = gemm_nt_f32_neon;
  t.dot_f32 = dot_f32_neon;
  t.rmsnorm = rmsnorm_neon;
  t.softmax = softmax_neon;
  t.silu_mul = silu_mul_neon;
  t.axpy = axpy_neon;
  t.rope = rope_neon;
  t.gemm_isa = t.dot_isa = t.rmsnorm_isa = t.softmax_isa = t.silu_mul_isa = t.axpy_isa = t.rope_isa = Isa::kNeon;
}

}  // namespace coreinfer::kernels
