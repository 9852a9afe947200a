#include "kernels/quant/int8_rows.h"

#include <cstring>

namespace coreinfer::kernels {

void int8_repack_rows(const WeightKernels& k, const void* src, size_t stride, void* dst, int64_t n_rows, int64_t n) {
  const auto* in = static_cast<const uint8_t*>(src);
  auto* out = static_cast<uint8_t*>(dst);
  const int64_t g = k.int8_row_group;
  int64_t r = 0;
  if (g > 1)
    for (; r + g <= n_rows; r += g) k.int8_repack_group(in + r * stride, stride, out + r * stride, n);
  for (; r < n_rows; ++r) {
    if (k.int8_repack_row != nullptr) {
      k.int8_repack_row(in + r * stride, out + r * stride, n);
    } else {
      std::memcpy(out + r * stride, in + r * stride, stride);
    }
  }
}

void int8_dequant_rows(const WeightKernels& k, const void* w, size_t stride, int64_t n_rows, float* y, int64_t n) {
  const auto* in = static_cast<const uint8_t*>(w);
  const int64_t g = k.int8_row_group;
  int64_t r = 0;
  if (g > 1)
    for (; r + g <= n_rows; r += g) k.int8_dequant_group(in + r * stride, stride, y + r * n, n);
  for (; r < n_rows; ++r) k.int8_dequant_row(in + r * stride, y + r * n, n);
}

}  // namespace coreinfer::kernels
