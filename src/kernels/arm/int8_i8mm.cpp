// i8mm (Armv8.6 smmla) kernels of the 8-bit activation path (kernels/quant/int8_path.h): Q8_0I2,
// Q4_0I2 (row pairs), Q4_K and Q6_K. Pairs of rows x pairs of vectors go through the smmla tiles
// (int8_arm_i8mm.h); a lone row (and for Q4_K / Q6_K a lone vector) through the sdot tiles
// (int8_arm_neon.h). Both give every (row, vector) pair the same exact int32 sums and the same
// fp32 operations.
#include "kernels/arm/int8_arm_i8mm.h"

namespace coreinfer::kernels {
namespace {

using namespace arm_int8;

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

// Row pairs (Q8_0I2 / Q4_0I2) x vectors in pairs by smmla, a lone vector as a pair with itself;
// the last row of an odd count (row layout) by sdot.
template <class P>
void dot_multi_pairs(const void* w, size_t row_stride, int64_t n_rows, const void* xq, size_t xq_stride, int64_t n_x,
                     float* y, int64_t y_stride, int64_t n) {
  const auto* wb = static_cast<const uint8_t*>(w);
  const auto* xb = static_cast<const uint8_t*>(xq);
  int64_t r = 0;
  for (; r + 2 <= n_rows; r += 2) {
    const uint8_t* pair = wb + r * row_stride;
    for (int64_t j = 0; j < n_x; j += 2) {
      const uint8_t* xs[2] = {xb + j * xq_stride, xb + (j + 1 < n_x ? j + 1 : j) * xq_stride};
      pair_tile<P>(pair, xs, j + 1 < n_x ? 2 : 1, n, y + j * y_stride + r, y_stride);
    }
  }
  if (r < n_rows)
    dot_multi_rows<typename P::T, SdotDot>(wb + r * row_stride, row_stride, 1, xq, xq_stride, n_x, y + r, y_stride, n);
}

}  // namespace

// Q8_0 and Q4_0 are repacked at load anyway: into row pairs here, which smmla reads as they are.
// Q4_K and Q6_K keep the GGUF layout (read in place) and zip two rows per load.
void register_int8_i8mm(KernelTable& t) {
  set_int8_kernel(t, DType::kQ8_0, dot_multi_pairs<Q8_0Pair>, Isa::kI8mm);
  set_int8_kernel(t, DType::kQ4_0, dot_multi_pairs<Q4_0Pair>, Isa::kI8mm);
  set_int8_row_pairs(t.weights[static_cast<uint32_t>(DType::kQ8_0)], DType::kQ8_0);
  set_int8_row_pairs(t.weights[static_cast<uint32_t>(DType::kQ4_0)], DType::kQ4_0);
  set_int8_kernel(t, DType::kQ4_K, dot_multi_mmla<Q4_KType>, Isa::kI8mm);
  set_int8_kernel(t, DType::kQ6_K, dot_multi_mmla<Q6_KType>, Isa::kI8mm);
}

}  // namespace coreinfer::kernels
