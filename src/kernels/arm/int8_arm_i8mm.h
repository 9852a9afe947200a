// i8mm (smmla) pieces of the 8-bit activation path shared by the i8mm and sve files (both built
// for Armv8.6 + i8mm): the 2-row x 2-vector tile. One vmmlaq_s32 multiplies a 2x8 int8 matrix
// (8 elements of two rows, interleaved with vzip1q/vzip2q_s64) by an 8x2 one (two activation
// vectors) into the 2x2 int32 sums: half the instructions of sdot for the tile. The int32 sums
// are exact and a 4x4 transpose gives each (row, vector) pair its sums with the units in lanes,
// so the fp32 scheme is the sdot tiles' one (int8_arm_neon.h) and results are bit-identical.
// Internal linkage throughout.
#pragma once

#include "kernels/arm/int8_arm_neon.h"

namespace coreinfer::kernels::arm_int8 {
namespace {  // internal linkage: the includers are built for different -march levels

struct SdotDot {
  static inline int32x4_t dot(int32x4_t acc, int8x16_t w, int8x16_t x) { return vdotq_s32(acc, w, x); }
};

static inline int8x16_t zip_lo(int8x16_t a, int8x16_t b) {
  return vreinterpretq_s8_s64(vzip1q_s64(vreinterpretq_s64_s8(a), vreinterpretq_s64_s8(b)));
}
static inline int8x16_t zip_hi(int8x16_t a, int8x16_t b) {
  return vreinterpretq_s8_s64(vzip2q_s64(vreinterpretq_s64_s8(a), vreinterpretq_s64_s8(b)));
}
static inline int32x4_t zip_lo32(int32x4_t a, int32x4_t b) {
  return vreinterpretq_s32_s64(vzip1q_s64(vreinterpretq_s64_s32(a), vreinterpretq_s64_s32(b)));
}
static inline int32x4_t zip_hi32(int32x4_t a, int32x4_t b) {
  return vreinterpretq_s32_s64(vzip2q_s64(vreinterpretq_s64_s32(a), vreinterpretq_s64_s32(b)));
}

// Units u .. u + 3 of 2 rows x 2 vectors: isums[r][x] lanes = units.
template <class T>
static inline void mmla_isums(const uint8_t* const* rows, const uint8_t* const* xs, int64_t n, int64_t u,
                              int32x4_t (*isums)[2]) {
  constexpr int K = T::kK;
  int8x16_t w0[4 * K], w1[4 * K];
  T::decode4(rows[0], n, u, w0);
  T::decode4(rows[1], n, u, w1);
  int32x4_t m[4];  // per unit: [r0 x0, r0 x1, r1 x0, r1 x1]
  for (int i = 0; i < 4; ++i) {
    m[i] = vdupq_n_s32(0);
    for (int k = 0; k < K; ++k) {
      const int64_t off = 16 * (K * u + K * i + k);
      const int8x16_t x0 = load_s8(xs[0] + off), x1 = load_s8(xs[1] + off);
      const int8x16_t a = w0[K * i + k], b = w1[K * i + k];
      m[i] = vmmlaq_s32(m[i], zip_lo(a, b), zip_lo(x0, x1));
      m[i] = vmmlaq_s32(m[i], zip_hi(a, b), zip_hi(x0, x1));
    }
  }
  const int32x4_t t0 = vtrn1q_s32(m[0], m[1]), t1 = vtrn2q_s32(m[0], m[1]);
  const int32x4_t t2 = vtrn1q_s32(m[2], m[3]), t3 = vtrn2q_s32(m[2], m[3]);
  isums[0][0] = zip_lo32(t0, t2);
  isums[0][1] = zip_lo32(t1, t3);
  isums[1][0] = zip_hi32(t0, t2);
  isums[1][1] = zip_hi32(t1, t3);
}

// tile<T, SdotDot, 2, 2> with smmla for the integer sums.
template <class T>
static inline void mmla_tile(const uint8_t* const* rows, const uint8_t* const* xs, int64_t n, float* y,
                             int64_t y_stride) {
  const int64_t nu = T::units(n);
  float32x4_t acc[2][2];
  for (auto& a : acc) a[0] = a[1] = vdupq_n_f32(0.0f);
  int32x4_t isums[2][2];
  int64_t u = 0;
  for (; u + 4 <= nu; u += 4) {
    mmla_isums<T>(rows, xs, n, u, isums);
    for (int r = 0; r < 2; ++r)
      for (int x = 0; x < 2; ++x) acc[r][x] = T::update(rows[r], xs[x], n, u, 4, isums[r][x], acc[r][x]);
  }
  if (T::kTail && u < nu) {
    const int count = static_cast<int>(nu - u);
    tail_isums<T, SdotDot, 2, 2>(rows, xs, n, u, count, isums);
    for (int r = 0; r < 2; ++r)
      for (int x = 0; x < 2; ++x) acc[r][x] = T::update(rows[r], xs[x], n, u, count, isums[r][x], acc[r][x]);
  }
  for (int r = 0; r < 2; ++r)
    for (int x = 0; x < 2; ++x) y[x * y_stride + r] = finish(acc[r][x]);
}

}  // namespace
}  // namespace coreinfer::kernels::arm_int8
