// SVE (vector-length agnostic) kernels of the 8-bit activation path (kernels/quant/int8_path.h):
// Q8_0I, Q4_0I, Q4_K and Q6_K. Each unit (a 32-element block, or a 16-element Q6_K group) is
// svdot_s32 over svwhilelt-predicated chunks of svcntb() bytes into its own accumulator (lanes of
// a short unit past its end load as 0); the int32 sums of 4 units are then reduced to one lane
// each without a reduction instruction: add(uzp1, uzp2) sums adjacent lanes of two accumulators,
// twice across the 4 of them, then log2(svcntw() / 4) times within one (svaddv for the retired
// vector lengths that are not a power of two). The 4 sums go through
// the same fp32 scheme as the NEON tiles (int8_arm_neon.h), and 2-row x 2-vector tiles take the
// smmla path (int8_arm_i8mm.h), so every result is bit-identical whatever the batch; a lone
// vector (the decode GEMV) runs here.
#include <arm_sve.h>

#include "kernels/arm/int8_arm_i8mm.h"

namespace coreinfer::kernels {
namespace {

using namespace arm_int8;

// Lanes 0..3: the sums of all lanes of a0, a1, a2, a3.
int32x4_t sums4(svint32_t a0, svint32_t a1, svint32_t a2, svint32_t a3) {
  const svbool_t all = svptrue_b32();
  const uint64_t n_lanes = svcntw();
  if ((n_lanes & (n_lanes - 1)) != 0) {  // a vector length that is not a power of two (SVE allowed them once)
    const int32_t s[4] = {static_cast<int32_t>(svaddv_s32(all, a0)), static_cast<int32_t>(svaddv_s32(all, a1)),
                          static_cast<int32_t>(svaddv_s32(all, a2)), static_cast<int32_t>(svaddv_s32(all, a3))};
    return vld1q_s32(s);
  }
  const svint32_t s01 = svadd_s32_x(all, svuzp1_s32(a0, a1), svuzp2_s32(a0, a1));
  const svint32_t s23 = svadd_s32_x(all, svuzp1_s32(a2, a3), svuzp2_s32(a2, a3));
  svint32_t s = svadd_s32_x(all, svuzp1_s32(s01, s23), svuzp2_s32(s01, s23));
  for (uint64_t lanes = n_lanes / 4; lanes > 1; lanes /= 2) s = svadd_s32_x(all, svuzp1_s32(s, s), svuzp2_s32(s, s));
  int32_t out[4];
  svst1_s32(svwhilelt_b32_s32(0, 4), out, s);
  return vld1q_s32(out);
}

svint32_t dot_bytes(const uint8_t* w, const uint8_t* x, int64_t bytes) {
  svint32_t a = svdup_n_s32(0);
  for (int64_t off = 0; off < bytes; off += static_cast<int64_t>(svcntb())) {
    const svbool_t pg = svwhilelt_b8_s64(off, bytes);
    a = svdot_s32(a, svld1_s8(pg, reinterpret_cast<const int8_t*>(w + off)),
                  svld1_s8(pg, reinterpret_cast<const int8_t*>(x + off)));
  }
  return a;
}

// 32 bytes of nibbles: low nibbles . x_lo into *lo, high nibbles . x_hi into *hi, nibbles - bias.
void dot_nibbles(const uint8_t* q, const uint8_t* x_lo, const uint8_t* x_hi, int8_t bias, svint32_t* lo,
                 svint32_t* hi) {
  svint32_t a = svdup_n_s32(0), b = svdup_n_s32(0);
  for (int64_t off = 0; off < 32; off += static_cast<int64_t>(svcntb())) {
    const svbool_t pg = svwhilelt_b8_s64(off, 32);
    const svuint8_t v = svld1_u8(pg, q + off);
    const svint8_t l = svsub_n_s8_x(pg, svreinterpret_s8_u8(svand_n_u8_x(pg, v, 0x0F)), bias);
    const svint8_t h = svsub_n_s8_x(pg, svreinterpret_s8_u8(svlsr_n_u8_x(pg, v, 4)), bias);
    a = svdot_s32(a, l, svld1_s8(pg, reinterpret_cast<const int8_t*>(x_lo + off)));
    b = svdot_s32(b, h, svld1_s8(pg, reinterpret_cast<const int8_t*>(x_hi + off)));
  }
  *lo = a;
  *hi = b;
}

struct Q8_0Sve {
  using T = Q8_0Type;
  static int32x4_t isums4(const uint8_t* row, const uint8_t* x, int64_t n, int64_t u) {
    const uint8_t* q = row + 2 * (n / 32) + 32 * u;
    x += 32 * u;
    return sums4(dot_bytes(q, x, 32), dot_bytes(q + 32, x + 32, 32), dot_bytes(q + 64, x + 64, 32),
                 dot_bytes(q + 96, x + 96, 32));
  }
};

// Two 32-byte nibble pairs (units u, u + 1 and u + 2, u + 3) at q.
int32x4_t nibble_isums4(const uint8_t* q, const uint8_t* x, int8_t bias) {
  svint32_t a0, a1, a2, a3;
  dot_nibbles(q, x, x + 32, bias, &a0, &a1);
  dot_nibbles(q + 32, x + 64, x + 96, bias, &a2, &a3);
  return sums4(a0, a1, a2, a3);
}

struct Q4_0Sve {
  using T = Q4_0Type;
  static int32x4_t isums4(const uint8_t* row, const uint8_t* x, int64_t n, int64_t u) {
    return nibble_isums4(row + 2 * (n / 32) + 16 * u, x + 32 * u, 8);
  }
};

struct Q4_KSve {
  using T = Q4_KType;
  static int32x4_t isums4(const uint8_t* row, const uint8_t* x, int64_t, int64_t u) {
    return nibble_isums4(Q4_KType::block(row, u)->qs + 16 * (u % 8), x + 32 * u, 0);
  }
};

// Q6_K units u .. u + 3: quarters j = 2 hi, 2 hi + 1 of half h (see Q6_KType::decode4).
struct Q6_KSve {
  using T = Q6_KType;
  static svint32_t group(const uint8_t* ql, const uint8_t* qh, bool high_nibble, int shift, const uint8_t* x) {
    svint32_t a = svdup_n_s32(0);
    for (int64_t off = 0; off < 16; off += static_cast<int64_t>(svcntb())) {
      const svbool_t pg = svwhilelt_b8_s64(off, 16);
      const svuint8_t l = svld1_u8(pg, ql + off);
      const svuint8_t low = high_nibble ? svlsr_n_u8_x(pg, l, 4) : svand_n_u8_x(pg, l, 0x0F);
      const svuint8_t h = svand_n_u8_x(pg, svlsr_n_u8_x(pg, svld1_u8(pg, qh + off), static_cast<uint8_t>(shift)), 3);
      const svint8_t q = svsub_n_s8_x(pg, svreinterpret_s8_u8(svorr_u8_x(pg, low, svlsl_n_u8_x(pg, h, 4))), 32);
      a = svdot_s32(a, q, svld1_s8(pg, reinterpret_cast<const int8_t*>(x + off)));
    }
    return a;
  }
  static int32x4_t isums4(const uint8_t* row, const uint8_t* x, int64_t, int64_t u) {
    const BlockQ6_K* blk = Q6_KType::block(row, u);
    const int k = static_cast<int>(u % 16 / 4), h = k / 2, hi = k % 2;
    const uint8_t* ql = blk->ql + 64 * h;
    const uint8_t* qh = blk->qh + 32 * h;
    x += 16 * u;
    return sums4(group(ql, qh, hi != 0, 4 * hi, x), group(ql + 16, qh + 16, hi != 0, 4 * hi, x + 16),
                 group(ql + 32, qh, hi != 0, 4 * hi + 2, x + 32), group(ql + 48, qh + 16, hi != 0, 4 * hi + 2, x + 48));
  }
};

// One row and one vector.
template <class S>
float dot_one(const uint8_t* row, const uint8_t* x, int64_t n) {
  using T = typename S::T;
  const int64_t nu = T::units(n);
  float32x4_t acc = vdupq_n_f32(0.0f);
  int64_t u = 0;
  for (; u + 4 <= nu; u += 4) acc = T::update(row, x, n, u, 4, S::isums4(row, x, n, u), acc);
  if (T::kTail && u < nu) {
    const int count = static_cast<int>(nu - u);
    int32x4_t isums[1][1];
    const uint8_t* rows[1] = {row};
    const uint8_t* xs[1] = {x};
    tail_isums<T, SdotDot, 1, 1>(rows, xs, n, u, count, isums);
    acc = T::update(row, x, n, u, count, isums[0][0], acc);
  }
  return finish(acc);
}

// Rows in pairs x vectors in pairs by smmla; the rest (a lone vector: decode) one pair at a time.
template <class S>
void dot_multi_sve(const void* w, size_t row_stride, int64_t n_rows, const void* xq, size_t xq_stride, int64_t n_x,
                   float* y, int64_t y_stride, int64_t n) {
  using T = typename S::T;
  const auto* wb = static_cast<const uint8_t*>(w);
  const auto* xb = static_cast<const uint8_t*>(xq);
  const int64_t r2 = n_x >= 2 ? n_rows / 2 * 2 : 0, j2 = n_x / 2 * 2;
  for (int64_t r = 0; r < r2; r += 2) {
    const uint8_t* rows[2] = {wb + r * row_stride, wb + (r + 1) * row_stride};
    for (int64_t j = 0; j < j2; j += 2) {
      const uint8_t* xs[2] = {xb + j * xq_stride, xb + (j + 1) * xq_stride};
      mmla_tile<T>(rows, xs, n, y + j * y_stride + r, y_stride);
    }
  }
  for (int64_t j = 0; j < n_x; ++j)
    for (int64_t r = j < j2 ? r2 : 0; r < n_rows; ++r)
      y[j * y_stride + r] = dot_one<S>(wb + r * row_stride, xb + j * xq_stride, n);
}

}  // namespace

void register_int8_sve(KernelTable& t) {
  set_int8_kernel(t, DType::kQ8_0, dot_multi_sve<Q8_0Sve>, Isa::kSve);
  set_int8_kernel(t, DType::kQ4_0, dot_multi_sve<Q4_0Sve>, Isa::kSve);
  set_int8_kernel(t, DType::kQ4_K, dot_multi_sve<Q4_KSve>, Isa::kSve);
  set_int8_kernel(t, DType::kQ6_K, dot_multi_sve<Q6_KSve>, Isa::kSve);
}

}  // namespace coreinfer::kernels
