// Shared Armv8.0 NEON pieces of the 8-bit activation path (kernels/quant/int8_path.h), included
// by the neon, dotprod, i8mm and sve files: the Q8A quantizer, the weight decoders (int8 weights
// of 4 "units" at a time: 32-element blocks, or Q6_K's 16-element groups), the fp32 update and a
// tile driver (R rows x X vectors) over a level's integer dot primitive (a template parameter, so
// this header itself uses only Armv8.0 instructions).
//
// Every (row, vector) pair follows one fp32 scheme, whatever tile or level computed its integer
// sums: four accumulators A[u % 4] over the units u, A[k] = fma(scale_u, float(isum_u), A[k])
// (Q4_K adds fma(-min_u, float(sx_u), A[k])), and y = (A0 + A1) + (A2 + A3). The offsets of
// Q4_0 (-8) and Q6_K (-32) are folded into the int8 weights, so isum already holds
// isum - 8 sx / isum - 32 s exactly. All multiply-adds are explicit vfmaq (GCC's default
// -ffp-contract=fast cannot fuse a product that only feeds an fma's multiplicand).
// Internal linkage throughout.
#pragma once

#include <arm_neon.h>

#include <cstdint>
#include <cstring>

#include "kernels/kernel_table.h"
#include "kernels/quant/blocks.h"
#include "kernels/quant/int8_path.h"

namespace coreinfer::kernels::arm_int8 {
namespace {  // internal linkage: the includers are built for different -march levels

// --- the Q8A quantizer (bit-identical to quantize_act_ref) ---

static inline void quantize_act_neon(const float* x, void* xq, int64_t n) {
  auto* p = static_cast<uint8_t*>(xq);
  for (int64_t b = 0; b < n / 32; ++b) {
    const float* xb = x + b * 32;
    float32x4_t v[8];
    for (int i = 0; i < 8; ++i) v[i] = vld1q_f32(xb + 4 * i);
    float32x4_t m = vabsq_f32(v[0]);
    for (int i = 1; i < 8; ++i) m = vmaxnmq_f32(m, vabsq_f32(v[i]));
    const float amax = vmaxnmvq_f32(m);
    const float d = amax / 127.0f;
    const float id = d != 0.0f ? 1.0f / d : 0.0f;
    const float32x4_t vid = vdupq_n_f32(id);
    int16x8_t h[4];
    for (int i = 0; i < 4; ++i) {
      const int32x4_t a = vcvtnq_s32_f32(vmulq_f32(v[2 * i], vid));  // round half even, as lrint
      const int32x4_t c = vcvtnq_s32_f32(vmulq_f32(v[2 * i + 1], vid));
      h[i] = vcombine_s16(vqmovn_s32(a), vqmovn_s32(c));
    }
    const int8x16_t lim = vdupq_n_s8(-127);
    const int8x16_t q0 = vmaxq_s8(vcombine_s8(vqmovn_s16(h[0]), vqmovn_s16(h[1])), lim);
    const int8x16_t q1 = vmaxq_s8(vcombine_s8(vqmovn_s16(h[2]), vqmovn_s16(h[3])), lim);
    vst1q_s8(reinterpret_cast<int8_t*>(p + b * 32), q0);
    vst1q_s8(reinterpret_cast<int8_t*>(p + b * 32 + 16), q1);
    std::memcpy(p + n + 4 * b, &d, sizeof d);
    const int16_t s0 = vaddlvq_s8(q0), s1 = vaddlvq_s8(q1);
    std::memcpy(p + n + n / 8 + 4 * b, &s0, 2);
    std::memcpy(p + n + n / 8 + 4 * b + 2, &s1, 2);
  }
}

// --- loads ---

static inline int8x16_t load_s8(const uint8_t* p) { return vreinterpretq_s8_u8(vld1q_u8(p)); }

// 4 floats from possibly unaligned bytes; only `count` (<= 4) of them, the rest 0.
static inline float32x4_t load_f32x4(const uint8_t* p, int count) {
  if (count == 4) return vreinterpretq_f32_u8(vld1q_u8(p));
  float f[4] = {0.0f, 0.0f, 0.0f, 0.0f};
  std::memcpy(f, p, 4 * static_cast<size_t>(count));
  return vld1q_f32(f);
}

// 4 fp16 values widened to fp32 (exact); only `count` of them, the rest 0.
static inline float32x4_t load_f16x4(const uint8_t* p, int count) {
  if (count == 4) return vcvt_f32_f16(vreinterpret_f16_u8(vld1_u8(p)));
  uint8_t h[8] = {};
  std::memcpy(h, p, 2 * static_cast<size_t>(count));
  return vcvt_f32_f16(vreinterpret_f16_u8(vld1_u8(h)));
}

static inline float half_to_f32(const uint8_t* p) {
  __fp16 h;
  std::memcpy(&h, p, sizeof h);
  return static_cast<float>(h);  // exact (fcvt)
}

// 4 bytes at p widened to fp32 lanes (exact).
static inline float32x4_t u8x4_to_f32(const uint8_t* p) {
  uint32_t v;
  std::memcpy(&v, p, sizeof v);
  return vcvtq_f32_u32(vmovl_u16(vget_low_u16(vmovl_u8(vcreate_u8(v)))));
}
static inline float32x4_t s8x4_to_f32(const int8_t* p) {
  uint32_t v;
  std::memcpy(&v, p, sizeof v);
  return vcvtq_f32_s32(vmovl_s16(vget_low_s16(vmovl_s8(vcreate_s8(v)))));
}

static inline float finish(float32x4_t a) {
  const float lo = vgetq_lane_f32(a, 0) + vgetq_lane_f32(a, 1);
  const float hi = vgetq_lane_f32(a, 2) + vgetq_lane_f32(a, 3);
  return lo + hi;
}

static inline int8x16_t low_nibbles(uint8x16_t v) { return vreinterpretq_s8_u8(vandq_u8(v, vdupq_n_u8(0x0F))); }
static inline int8x16_t high_nibbles(uint8x16_t v) { return vreinterpretq_s8_u8(vshrq_n_u8(v, 4)); }

// --- weight types. A unit is kK 16-element vectors; decode4 fills w[4 kK] with units u .. u + 3
// of a row (u a multiple of 4, all 4 present), decode1 unit u (tails), and update applies the
// fp32 step of units u .. u + count - 1 (isum lanes of absent units are 0). ---

struct Q8_0Type {
  static constexpr int kK = 2;
  static constexpr bool kTail = true;
  static int64_t units(int64_t n) { return n / 32; }
  static void decode4(const uint8_t* row, int64_t n, int64_t u, int8x16_t* w) {
    const uint8_t* q = row + 2 * (n / 32) + 32 * u;
    for (int i = 0; i < 8; ++i) w[i] = load_s8(q + 16 * i);
  }
  static void decode1(const uint8_t* row, int64_t n, int64_t u, int8x16_t* w) {
    const uint8_t* q = row + 2 * (n / 32) + 32 * u;
    w[0] = load_s8(q);
    w[1] = load_s8(q + 16);
  }
  static float32x4_t update(const uint8_t* row, const uint8_t* xq, int64_t n, int64_t u, int count, int32x4_t isum,
                            float32x4_t acc) {
    const float32x4_t s = vmulq_f32(load_f16x4(row + 2 * u, count), load_f32x4(xq + n + 4 * u, count));
    return vfmaq_f32(acc, s, vcvtq_f32_s32(isum));
  }
};

struct Q4_0Type {
  static constexpr int kK = 2;
  static constexpr bool kTail = true;
  static int64_t units(int64_t n) { return n / 32; }
  static void decode4(const uint8_t* row, int64_t n, int64_t u, int8x16_t* w) {
    const uint8_t* q = row + 2 * (n / 32) + 16 * u;  // pairs u / 2 and u / 2 + 1
    const int8x16_t eight = vdupq_n_s8(8);
    for (int p = 0; p < 2; ++p) {
      const uint8x16_t a = vld1q_u8(q + 32 * p), b = vld1q_u8(q + 32 * p + 16);
      w[4 * p + 0] = vsubq_s8(low_nibbles(a), eight);
      w[4 * p + 1] = vsubq_s8(low_nibbles(b), eight);
      w[4 * p + 2] = vsubq_s8(high_nibbles(a), eight);
      w[4 * p + 3] = vsubq_s8(high_nibbles(b), eight);
    }
  }
  static void decode1(const uint8_t* row, int64_t n, int64_t u, int8x16_t* w) {
    const int64_t nb = n / 32;
    const uint8_t* q = row + 2 * nb + 32 * (u / 2);
    const int8x16_t eight = vdupq_n_s8(8);
    if (u < nb / 2 * 2) {
      const uint8x16_t a = vld1q_u8(q), b = vld1q_u8(q + 16);
      w[0] = vsubq_s8(u % 2 == 0 ? low_nibbles(a) : high_nibbles(a), eight);
      w[1] = vsubq_s8(u % 2 == 0 ? low_nibbles(b) : high_nibbles(b), eight);
    } else {  // the odd last block, GGUF order
      const uint8x16_t a = vld1q_u8(q);
      w[0] = vsubq_s8(low_nibbles(a), eight);
      w[1] = vsubq_s8(high_nibbles(a), eight);
    }
  }
  static float32x4_t update(const uint8_t* row, const uint8_t* xq, int64_t n, int64_t u, int count, int32x4_t isum,
                            float32x4_t acc) {
    return Q8_0Type::update(row, xq, n, u, count, isum, acc);
  }
};

// Q4_K: units are the 32-element sub-blocks (8 per super-block).
struct Q4_KType {
  static constexpr int kK = 2;
  static int64_t units(int64_t n) { return n / 32; }
  static const BlockQ4_K* block(const uint8_t* row, int64_t u) {
    return reinterpret_cast<const BlockQ4_K*>(row) + u / 8;
  }
  static void decode4(const uint8_t* row, int64_t, int64_t u, int8x16_t* w) {
    const uint8_t* q = block(row, u)->qs + 16 * (u % 8);
    for (int p = 0; p < 2; ++p) {
      const uint8x16_t a = vld1q_u8(q + 32 * p), b = vld1q_u8(q + 32 * p + 16);
      w[4 * p + 0] = low_nibbles(a);
      w[4 * p + 1] = low_nibbles(b);
      w[4 * p + 2] = high_nibbles(a);
      w[4 * p + 3] = high_nibbles(b);
    }
  }
  static constexpr bool kTail = false;  // n / 32 is a multiple of 8
  static void decode1(const uint8_t*, int64_t, int64_t, int8x16_t*) {}
  static float32x4_t update(const uint8_t* row, const uint8_t* xq, int64_t n, int64_t u, int, int32x4_t isum,
                            float32x4_t acc) {
    const BlockQ4_K* blk = block(row, u);
    uint8_t sc[8], mn[8];
    q4k_scales_mins(blk->scales, sc, mn);
    const int j = static_cast<int>(u % 8);
    const float d = half_to_f32(reinterpret_cast<const uint8_t*>(&blk->d));
    const float dmin = half_to_f32(reinterpret_cast<const uint8_t*>(&blk->dmin));
    const float32x4_t dx = load_f32x4(xq + n + 4 * u, 4);
    const float32x4_t a = vmulq_f32(vmulq_n_f32(u8x4_to_f32(sc + j), d), dx);
    const float32x4_t m = vmulq_f32(vmulq_n_f32(u8x4_to_f32(mn + j), dmin), dx);
    int16_t s16[8];
    std::memcpy(s16, xq + n + n / 8 + 4 * u, sizeof s16);
    const int32x4_t sx = vpaddlq_s16(vld1q_s16(s16));
    acc = vfmaq_f32(acc, a, vcvtq_f32_s32(isum));
    return vfmsq_f32(acc, m, vcvtq_f32_s32(sx));
  }
};

// Q6_K: units are the 16-element groups (16 per super-block); weights q - 32 in int8.
struct Q6_KType {
  static constexpr int kK = 1;
  static int64_t units(int64_t n) { return n / 16; }
  static const BlockQ6_K* block(const uint8_t* row, int64_t u) {
    return reinterpret_cast<const BlockQ6_K*>(row) + u / 16;
  }
  // Units u .. u + 3 = elements 64 k .. 64 k + 63 of the super-block, k = u % 16 / 4: half
  // h = k / 2, quarters j = 2 (k % 2) and j + 1.
  static void decode4(const uint8_t* row, int64_t, int64_t u, int8x16_t* w) {
    const BlockQ6_K* blk = block(row, u);
    const int k = static_cast<int>(u % 16 / 4), h = k / 2, hi = k % 2;
    const uint8_t* ql = blk->ql + 64 * h;
    const uint8_t* qh = blk->qh + 32 * h;
    const uint8x16_t m4 = vdupq_n_u8(0x0F), m2 = vdupq_n_u8(0x30);
    const int8x16_t off = vdupq_n_s8(32);
    for (int t = 0; t < 2; ++t) {  // quarter j = 2 hi + t: elements 32 j .. 32 j + 31 of the half
      for (int c = 0; c < 2; ++c) {
        const uint8x16_t l = vld1q_u8(ql + 32 * t + 16 * c);
        const uint8x16_t hb = vld1q_u8(qh + 16 * c);
        const uint8x16_t low = hi == 0 ? vandq_u8(l, m4) : vshrq_n_u8(l, 4);
        const int sh = 2 * (2 * hi + t);
        // (qh >> 2j & 3) << 4 = (qh << 4 >> 2j) & 0x30 for 2j <= 4, (qh >> (2j - 4)) & 0x30 above
        uint8x16_t high;
        switch (sh) {
          case 0:
            high = vandq_u8(vshlq_n_u8(hb, 4), m2);
            break;
          case 2:
            high = vandq_u8(vshlq_n_u8(hb, 2), m2);
            break;
          case 4:
            high = vandq_u8(hb, m2);
            break;
          default:
            high = vandq_u8(vshrq_n_u8(hb, 2), m2);
            break;
        }
        w[2 * t + c] = vsubq_s8(vreinterpretq_s8_u8(vorrq_u8(low, high)), off);
      }
    }
  }
  static constexpr bool kTail = false;  // n / 16 is a multiple of 16
  static void decode1(const uint8_t*, int64_t, int64_t, int8x16_t*) {}
  static float32x4_t update(const uint8_t* row, const uint8_t* xq, int64_t n, int64_t u, int, int32x4_t isum,
                            float32x4_t acc) {
    const BlockQ6_K* blk = block(row, u);
    const int g = static_cast<int>(u % 16);
    const float32x4_t sc = s8x4_to_f32(blk->scales + g);
    const float d = half_to_f32(reinterpret_cast<const uint8_t*>(&blk->d));
    float dx2[2];
    std::memcpy(dx2, xq + n + 4 * (u / 2), sizeof dx2);
    const float32x4_t dx = vcombine_f32(vdup_n_f32(dx2[0]), vdup_n_f32(dx2[1]));
    return vfmaq_f32(acc, vmulq_f32(vmulq_n_f32(sc, d), dx), vcvtq_f32_s32(isum));
  }
};

// --- the tile driver ---

// Dot::dot(acc, w, x): acc plus int32 partial sums whose total is the dot of 16 int8 pairs.
// Units u .. u + 3 of R rows times X vectors; isums[r][x] lanes = units.
template <class T, class Dot, int R, int X>
static inline void tile_isums(const uint8_t* const* rows, const uint8_t* const* xs, int64_t n, int64_t u,
                              int32x4_t (*isums)[X]) {
  constexpr int K = T::kK;
  int8x16_t w[R][4 * K];
  for (int r = 0; r < R; ++r) T::decode4(rows[r], n, u, w[r]);
  for (int x = 0; x < X; ++x) {
    int8x16_t xv[4 * K];
    for (int i = 0; i < 4 * K; ++i) xv[i] = load_s8(xs[x] + 16 * (K * u + i));
    for (int r = 0; r < R; ++r) {
      int32x4_t p[4];
      for (int i = 0; i < 4; ++i) {
        p[i] = vdupq_n_s32(0);
        for (int k = 0; k < K; ++k) p[i] = Dot::dot(p[i], w[r][K * i + k], xv[K * i + k]);
      }
      isums[r][x] = vpaddq_s32(vpaddq_s32(p[0], p[1]), vpaddq_s32(p[2], p[3]));
    }
  }
}

// The last nu % 4 units (one at a time), isums lanes of absent units 0.
template <class T, class Dot, int R, int X>
static inline void tail_isums(const uint8_t* const* rows, const uint8_t* const* xs, int64_t n, int64_t u, int count,
                              int32x4_t (*isums)[X]) {
  if constexpr (!T::kTail) return;
  constexpr int K = T::kK;
  for (int r = 0; r < R; ++r) {
    for (int x = 0; x < X; ++x) {
      int32x4_t p[4] = {vdupq_n_s32(0), vdupq_n_s32(0), vdupq_n_s32(0), vdupq_n_s32(0)};
      for (int i = 0; i < count; ++i) {
        int8x16_t w[K];
        T::decode1(rows[r], n, u + i, w);
        for (int k = 0; k < K; ++k) p[i] = Dot::dot(p[i], w[k], load_s8(xs[x] + 16 * (K * (u + i) + k)));
      }
      isums[r][x] = vpaddq_s32(vpaddq_s32(p[0], p[1]), vpaddq_s32(p[2], p[3]));
    }
  }
}

// y[x * y_stride + r] for R rows and X vectors.
template <class T, class Dot, int R, int X>
static inline void tile(const uint8_t* const* rows, const uint8_t* const* xs, int64_t n, float* y, int64_t y_stride) {
  const int64_t nu = T::units(n);
  float32x4_t acc[R][X];
  for (int r = 0; r < R; ++r)
    for (int x = 0; x < X; ++x) acc[r][x] = vdupq_n_f32(0.0f);
  int32x4_t isums[R][X];
  int64_t u = 0;
  for (; u + 4 <= nu; u += 4) {
    tile_isums<T, Dot, R, X>(rows, xs, n, u, isums);
    for (int r = 0; r < R; ++r)
      for (int x = 0; x < X; ++x) acc[r][x] = T::update(rows[r], xs[x], n, u, 4, isums[r][x], acc[r][x]);
  }
  if (T::kTail && u < nu) {
    const int count = static_cast<int>(nu - u);
    tail_isums<T, Dot, R, X>(rows, xs, n, u, count, isums);
    for (int r = 0; r < R; ++r)
      for (int x = 0; x < X; ++x) acc[r][x] = T::update(rows[r], xs[x], n, u, count, isums[r][x], acc[r][x]);
  }
  for (int r = 0; r < R; ++r)
    for (int x = 0; x < X; ++x) y[x * y_stride + r] = finish(acc[r][x]);
}

// One row at a time, the vectors in tiles of 4, 2, 1 (the row's decoded weights are reused).
template <class T, class Dot>
static inline void dot_multi_rows(const void* w, size_t row_stride, int64_t n_rows, const void* xq, size_t xq_stride,
                                  int64_t n_x, float* y, int64_t y_stride, int64_t n) {
  const auto* wb = static_cast<const uint8_t*>(w);
  const auto* xb = static_cast<const uint8_t*>(xq);
  for (int64_t r = 0; r < n_rows; ++r) {
    const uint8_t* row[1] = {wb + r * row_stride};
    int64_t j = 0;
    for (; j + 4 <= n_x; j += 4) {
      const uint8_t* xs[4] = {xb + j * xq_stride, xb + (j + 1) * xq_stride, xb + (j + 2) * xq_stride,
                              xb + (j + 3) * xq_stride};
      tile<T, Dot, 1, 4>(row, xs, n, y + j * y_stride + r, y_stride);
    }
    if (j + 2 <= n_x) {
      const uint8_t* xs[2] = {xb + j * xq_stride, xb + (j + 1) * xq_stride};
      tile<T, Dot, 1, 2>(row, xs, n, y + j * y_stride + r, y_stride);
      j += 2;
    }
    if (j < n_x) {
      const uint8_t* xs[1] = {xb + j * xq_stride};
      tile<T, Dot, 1, 1>(row, xs, n, y + j * y_stride + r, y_stride);
    }
  }
}

static inline void set_int8_kernel(KernelTable& t, DType type, Int8DotMultiFn fn, Isa isa) {
  WeightKernels& k = t.weights[static_cast<uint32_t>(type)];
  k.int8_dot_multi = fn;
  k.int8_isa = isa;
  set_int8_row_layout(k);  // a level above one with row pairs reads rows again
}

}  // namespace
}  // namespace coreinfer::kernels::arm_int8
