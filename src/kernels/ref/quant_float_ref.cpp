// Scalar kernels of the plain float weight types: F32, F16 and BF16 (block size 1).
#include <cstring>

#include "kernels/ref/quant_ref.h"

namespace coreinfer::kernels {
namespace {

void dequant_row_f32(const void* src, float* dst, int64_t n) {
  std::memcpy(dst, src, static_cast<size_t>(n) * sizeof(float));
}
float dot_row_f32(const void* w, const float* x, int64_t n) {
  const auto* wf = static_cast<const float*>(w);
  float sum = 0.0f;
  for (int64_t i = 0; i < n; ++i) sum += wf[i] * x[i];
  return sum;
}
void quantize_row_f32(const float* src, void* dst, int64_t n) {
  std::memcpy(dst, src, static_cast<size_t>(n) * sizeof(float));
}

// The 16-bit types are read with memcpy: a row may start at any byte.
template <float (*ToFloat)(uint16_t)>
float load16(const void* base, int64_t i) {
  uint16_t h;
  std::memcpy(&h, static_cast<const uint8_t*>(base) + 2 * i, sizeof h);
  return ToFloat(h);
}

template <float (*ToFloat)(uint16_t)>
void dequant_row_16(const void* src, float* dst, int64_t n) {
  for (int64_t i = 0; i < n; ++i) dst[i] = load16<ToFloat>(src, i);
}
template <float (*ToFloat)(uint16_t)>
float dot_row_16(const void* w, const float* x, int64_t n) {
  float sum = 0.0f;
  for (int64_t i = 0; i < n; ++i) sum += load16<ToFloat>(w, i) * x[i];
  return sum;
}
template <uint16_t (*FromFloat)(float)>
void quantize_row_16(const float* src, void* dst, int64_t n) {
  for (int64_t i = 0; i < n; ++i) {
    const uint16_t h = FromFloat(src[i]);
    std::memcpy(static_cast<uint8_t*>(dst) + 2 * i, &h, sizeof h);
  }
}

}  // namespace

void register_quant_float_ref(KernelTable& t) {
  set_weight_kernels<dot_row_f32>(t, DType::kF32, dequant_row_f32, quantize_row_f32);
  set_weight_kernels<dot_row_16<fp16_to_float>>(t, DType::kF16, dequant_row_16<fp16_to_float>,
                                                quantize_row_16<float_to_fp16>);
  set_weight_kernels<dot_row_16<bf16_to_float>>(t, DType::kBF16, dequant_row_16<bf16_to_float>,
                                                quantize_row_16<float_to_bf16>);
}

}  // namespace coreinfer::kernels
