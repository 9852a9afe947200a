// Scalar reference of BF16's bf16-activation path (kernels/quant/int8_path.h, BF16A): the
// quantizer (float_to_bf16 per element) and the dot of GGUF BF16 rows with BF16A vectors, one
// running fp32 sum in element order (each product is exact in fp32). Not registered in the
// scalar table (bf16_act_path_ref in kernel_table.h says why); the SIMD kernels are tested
// against it.
#include <cstring>

#include "core/half.h"
#include "kernels/kernel_table.h"
#include "kernels/quant/int8_path.h"

namespace coreinfer::kernels {
namespace {

void quantize_bf16a_ref(const float* x, void* xq, int64_t n) {
  auto* out = static_cast<uint8_t*>(xq);
  for (int64_t e = 0; e < n; ++e) {
    const uint16_t b = float_to_bf16(x[e]);
    std::memcpy(out + 2 * e, &b, sizeof b);
  }
}

float bf16_at(const uint8_t* p, int64_t e) {
  uint16_t b;
  std::memcpy(&b, p + 2 * e, sizeof b);
  return bf16_to_float(b);
}

float dot_bf16a(const uint8_t* w, const uint8_t* x, int64_t n) {
  float y = 0.0f;
  for (int64_t e = 0; e < n; ++e) y += bf16_at(w, e) * bf16_at(x, e);
  return y;
}

void dot_multi_bf16a(const void* w, size_t row_stride, int64_t n_rows, const void* xq, size_t xq_stride, int64_t n_x,
                     float* y, int64_t y_stride, int64_t n) {
  const auto* rows = static_cast<const uint8_t*>(w);
  const auto* acts = static_cast<const uint8_t*>(xq);
  for (int64_t j = 0; j < n_x; ++j)
    for (int64_t r = 0; r < n_rows; ++r) y[j * y_stride + r] = dot_bf16a(rows + r * row_stride, acts + j * xq_stride, n);
}

}  // namespace

void bf16_act_path_ref(WeightKernels& k) {
  set_bf16_act_path(k, dot_multi_bf16a, quantize_bf16a_ref, Isa::kScalar);
}

}  // namespace coreinfer::kernels
