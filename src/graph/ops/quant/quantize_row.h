// QuantizeLinear's inner loop for 8-bit outputs, portable (quantize_ops.cpp) and AVX-512
// (quantize_row_avx512.cpp): y[i] = clamp(x[i] / scale, lo, hi) rounded half to even + zp, with
// NaN going to lo as MLAS's max_ps does. lo/hi are the output range less zp.
#pragma once

#include <cstdint>

namespace coreinfer::quant {

using QuantizeRowFn = void (*)(const float* x, int64_t n, float scale, float lo, float hi, int32_t zp, bool is_signed,
                               void* y);

void quantize_row_portable(const float* x, int64_t n, float scale, float lo, float hi, int32_t zp, bool is_signed, void* y);
#if defined(__x86_64__)
void quantize_row_avx512(const float* x, int64_t n, float scale, float lo, float hi, int32_t zp, bool is_signed, void* y);
#endif
QuantizeRowFn best_quantize_row();

}  // namespace coreinfer::quant
