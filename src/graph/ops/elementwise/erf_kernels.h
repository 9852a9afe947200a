// Float32 erf and exact Gelu over arrays: a portable loop, the same loop built for AVX2, and an
// AVX-512 one, picked from the kernel table once at build time. The Erf and Gelu ops run them on
// float tensors; other types keep std::erf.
#pragma once

#include <cstdint>

#include "core/status.h"

namespace coreinfer {
struct OpRunContext;
class Tensor;
namespace kernels {
struct KernelTable;
}
}  // namespace coreinfer

namespace coreinfer::elementwise {

// y[i] = f(x[i]) for i < n.
using FloatArrayFn = void (*)(const float* x, float* y, int64_t n);

void erf_portable(const float* x, float* y, int64_t n);
void gelu_erf_portable(const float* x, float* y, int64_t n);
#if defined(__x86_64__)
void erf_avx2(const float* x, float* y, int64_t n);
void gelu_erf_avx2(const float* x, float* y, int64_t n);
void erf_avx512(const float* x, float* y, int64_t n);
void gelu_erf_avx512(const float* x, float* y, int64_t n);
#endif

FloatArrayFn best_erf(const kernels::KernelTable& table);
FloatArrayFn best_gelu_erf(const kernels::KernelTable& table);

// Allocates output 0 with x's float shape and fills it with fn(x), in parallel chunks.
Status run_float_array(OpRunContext& ctx, const Tensor& x, FloatArrayFn fn);

}  // namespace coreinfer::elementwise
