// erf and exact Gelu for AVX2 + FMA machines without AVX-512: the loops of erf_portable, which
// this file's flags let the compiler vectorise 8 floats wide with FMA (baseline x86-64 is
// 4 wide without FMA).
#if defined(__x86_64__)
#include "graph/ops/elementwise/erf_fast.h"
#include "graph/ops/elementwise/erf_kernels.h"

namespace coreinfer::elementwise {

void erf_avx2(const float* __restrict x, float* __restrict y, int64_t n) {
  for (int64_t i = 0; i < n; ++i) y[i] = erf_fast(x[i]);
}

void gelu_erf_avx2(const float* __restrict x, float* __restrict y, int64_t n) {
  for (int64_t i = 0; i < n; ++i) y[i] = gelu_erf_fast(x[i]);
}

}  // namespace coreinfer::elementwise
#endif
