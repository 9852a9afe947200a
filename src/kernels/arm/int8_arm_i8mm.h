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

static inline void units_to_lanes(const int32x4_t* m, int32x4_t (*isums)[2]);

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
  units_to_lanes(m, isums);
}

// The 2x2 sums of units u .. u + 3 (m[i] = [r0 x0, r0 x1, r1 x0, r1 x1]) to isums[r][x], units in lanes.
static inline void units_to_lanes(const int32x4_t* m, int32x4_t (*isums)[2]) {
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

// --- row pairs (Q8_0I2 / Q4_0I2, int8_path.h): 16 bytes of the interleaved quants are an smmla
// operand as they are. decode1 fills w[4] with unit u of both rows: w[c] = [row 0's elements
// 8c .. 8c + 7 of the unit, row 1's], which is half c % 2 of the unit's 16-element vector c / 2;
// decode4 units u .. u + 3 (u a multiple of 4) into w[16]. ---

struct Q8_0Pair {
  using T = Q8_0Type;
  static void decode1(const uint8_t* pair, int64_t n, int64_t u, int8x16_t* w) {
    const uint8_t* q = pair + 4 * (n / 32) + 64 * u;
    for (int c = 0; c < 4; ++c) w[c] = load_s8(q + 16 * c);
  }
  static void decode4(const uint8_t* pair, int64_t n, int64_t u, int8x16_t* w) {
    for (int i = 0; i < 4; ++i) decode1(pair, n, u + i, w + 4 * i);
  }
};

struct Q4_0Pair {
  using T = Q4_0Type;
  // Blocks 2b and 2b + 1 of both rows: 64 bytes, the low nibbles block 2b, the high ones 2b + 1.
  static void decode4(const uint8_t* pair, int64_t n, int64_t u, int8x16_t* w) {
    const uint8_t* q = pair + 4 * (n / 32) + 32 * u;
    const int8x16_t eight = vdupq_n_s8(8);
    for (int p = 0; p < 2; ++p)
      for (int c = 0; c < 4; ++c) {
        const uint8x16_t v = vld1q_u8(q + 64 * p + 16 * c);
        w[8 * p + c] = vsubq_s8(low_nibbles(v), eight);
        w[8 * p + 4 + c] = vsubq_s8(high_nibbles(v), eight);
      }
  }
  static void decode1(const uint8_t* pair, int64_t n, int64_t u, int8x16_t* w) {
    const int64_t nb = n / 32;
    const uint8_t* q = pair + 4 * nb + 64 * (u / 2);
    const int8x16_t eight = vdupq_n_s8(8);
    if (u < nb / 2 * 2) {
      for (int c = 0; c < 4; ++c) {
        const uint8x16_t v = vld1q_u8(q + 16 * c);
        w[c] = vsubq_s8(u % 2 == 0 ? low_nibbles(v) : high_nibbles(v), eight);
      }
    } else {  // the odd last block, GGUF order (byte l: element l, element 16 + l)
      const uint8x16_t a = vld1q_u8(q), b = vld1q_u8(q + 16);
      w[0] = vsubq_s8(low_nibbles(a), eight);
      w[1] = vsubq_s8(low_nibbles(b), eight);
      w[2] = vsubq_s8(high_nibbles(a), eight);
      w[3] = vsubq_s8(high_nibbles(b), eight);
    }
  }
};

// Units u .. u + count - 1 (count <= 4) of a row pair x 2 vectors; isums lanes of absent units 0.
template <class P>
static inline void pair_isums(const uint8_t* pair, const uint8_t* const* xs, int64_t n, int64_t u, int count,
                              int32x4_t (*isums)[2]) {
  int8x16_t w[16];
  if (count == 4) {
    P::decode4(pair, n, u, w);
  } else {
    for (int i = 0; i < count; ++i) P::decode1(pair, n, u + i, w + 4 * i);
  }
  int32x4_t m[4];
  for (int i = 0; i < 4; ++i) {
    m[i] = vdupq_n_s32(0);
    if (i >= count) continue;
    for (int k = 0; k < 2; ++k) {
      const int64_t off = 16 * (2 * (u + i) + k);
      const int8x16_t x0 = load_s8(xs[0] + off), x1 = load_s8(xs[1] + off);
      m[i] = vmmlaq_s32(m[i], w[4 * i + 2 * k], zip_lo(x0, x1));
      m[i] = vmmlaq_s32(m[i], w[4 * i + 2 * k + 1], zip_hi(x0, x1));
    }
  }
  units_to_lanes(m, isums);
}

// A row pair x n_vec (1 or 2) vectors: y[x * y_stride + r]. A lone vector is multiplied as the
// pair (xs[0], xs[0]), so its sums, and its result, are those it gets beside any other vector.
template <class P>
static inline void pair_tile(const uint8_t* pair, const uint8_t* const* xs, int n_vec, int64_t n, float* y,
                             int64_t y_stride) {
  using T = typename P::T;
  const uint8_t* scales[2] = {pair, pair + 2 * (n / 32)};  // where the row layout's update finds them
  const uint8_t* x2[2] = {xs[0], n_vec == 2 ? xs[1] : xs[0]};
  const int64_t nu = T::units(n);
  float32x4_t acc[2][2];
  for (auto& a : acc) a[0] = a[1] = vdupq_n_f32(0.0f);
  int32x4_t isums[2][2];
  for (int64_t u = 0; u < nu; u += 4) {
    const int count = static_cast<int>(nu - u < 4 ? nu - u : 4);
    pair_isums<P>(pair, x2, n, u, count, isums);
    for (int r = 0; r < 2; ++r)
      for (int x = 0; x < n_vec; ++x) acc[r][x] = T::update(scales[r], x2[x], n, u, count, isums[r][x], acc[r][x]);
  }
  for (int r = 0; r < 2; ++r)
    for (int x = 0; x < n_vec; ++x) y[x * y_stride + r] = finish(acc[r][x]);
}

}  // namespace
}  // namespace coreinfer::kernels::arm_int8
