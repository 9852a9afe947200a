// i8mm (Armv8.6 smmla) kernels of the 8-bit activation path (kernels/quant/int8_path.h): Q8_0I,
// Q4_0I, Q4_K and Q6_K. One vmmlaq_s32 multiplies a 2x8 int8 matrix (8 elements of two rows,
// interleaved with vzip1q/vzip2q_s64) by an 8x2 one (two activation vectors) into the 2x2 int32
// sums, so a 2-row x 2-vector tile needs half the instructions of sdot. The int32 sums are exact,
// and a 4x4 transpose gives each (row, vector) pair its sums with the units in lanes, the same
// fp32 scheme as the sdot tiles (int8_arm_neon.h): lone rows and lone vectors use sdot and get
// bit-identical results.
#include "kernels/arm/int8_arm_neon.h"

namespace coreinfer::kernels {
namespace {

using namespace arm_int8;

struct SdotDot {
  static int32x4_t dot(int32x4_t acc, int8x16_t w, int8x16_t x) { return vdotq_s32(acc, w, x); }
};

inline int8x16_t zip_lo(int8x16_t a, int8x16_t b) {
  return vreinterpretq_s8_s64(vzip1q_s64(vreinterpretq_s64_s8(a), vreinterpretq_s64_s8(b)));
}
inline int8x16_t zip_hi(int8x16_t a, int8x16_t b) {
  return vreinterpretq_s8_s64(vzip2q_s64(vreinterpretq_s64_s8(a), vreinterpretq_s64_s8(b)));
}
inline int32x4_t zip_lo32(int32x4_t a, int32x4_t b) {
  return vreinterpretq_s32_s64(vzip1q_s64(vreinterpretq_s64_s32(a), vreinterpretq_s64_s32(b)));
}
inline int32x4_t zip_hi32(int32x4_t a, int32x4_t b) {
  return vreinterpretq_s32_s64(vzip2q_s64(vreinterpretq_s64_s32(a), vreinterpretq_s64_s32(b)));
}

// Units u .. u + 3 of 2 rows x 2 vectors: isums[r][x] lanes = units.
template <class T>
inline void mmla_isums(const uint8_t* const* rows, const uint8_t* const* xs, int64_t n, int64_t u,
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
void mmla_tile(const uint8_t* const* rows, const uint8_t* const* xs, int64_t n, float* y, int64_t y_stride) {
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

// Rows in pairs x vectors in pairs by smmla; a lone vector or row by sdot.
template <class T>
void dot_multi_mmla(const void* w, size_t row_stride, int64_t n_rows, const void* xq, size_t xq_stride, int64_t n_x,
                    float* y, int64_t y_stride, int64_t n) {
  const auto* wb = static_cast<const uint8_t*>(w);
  const auto* xb = static_cast<const uint8_t*>(xq);
  int64_t r = 0;
  for (; r + 2 <= n_rows; r += 2) {
    const uint8_t* rows[2] = {wb + r * row_stride, wb + (r + 1) * row_stride};
    int64_t j = 0;
    for (; j + 2 <= n_x; j += 2) {
      const uint8_t* xs[2] = {xb + j * xq_stride, xb + (j + 1) * xq_stride};
      mmla_tile<T>(rows, xs, n, y + j * y_stride + r, y_stride);
    }
    if (j < n_x) {
      const uint8_t* xs[1] = {xb + j * xq_stride};
      tile<T, SdotDot, 2, 1>(rows, xs, n, y + j * y_stride + r, y_stride);
    }
  }
  if (r < n_rows)
    dot_multi_rows<T, SdotDot>(wb + r * row_stride, row_stride, 1, xq, xq_stride, n_x, y + r, y_stride, n);
}

}  // namespace

void register_int8_i8mm(KernelTable& t) {
  set_int8_kernel(t, DType::kQ8_0, dot_multi_mmla<Q8_0Type>, Isa::kI8mm);
  set_int8_kernel(t, DType::kQ4_0, dot_multi_mmla<Q4_0Type>, Isa::kI8mm);
  set_int8_kernel(t, DType::kQ4_K, dot_multi_mmla<Q4_KType>, Isa::kI8mm);
  set_int8_kernel(t, DType::kQ6_K, dot_multi_mmla<Q6_KType>, Isa::kI8mm);
}

}  // namespace coreinfer::kernels
