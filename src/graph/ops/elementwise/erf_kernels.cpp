// The portable erf / Gelu loops (vectorised by the compiler from erf_fast.h) and the choice
// among them and the AVX2 and AVX-512 ones.
#include "graph/ops/elementwise/erf_kernels.h"

#include "graph/op_kernel.h"
#include "graph/ops/elementwise/erf_fast.h"
#include "graph/ops/elementwise/loops.h"
#include "kernels/kernel_table.h"

namespace coreinfer::elementwise {

void erf_portable(const float* __restrict x, float* __restrict y, int64_t n) {
  for (int64_t i = 0; i < n; ++i) y[i] = erf_fast(x[i]);
}

void gelu_erf_portable(const float* __restrict x, float* __restrict y, int64_t n) {
  for (int64_t i = 0; i < n; ++i) y[i] = gelu_erf_fast(x[i]);
}

FloatArrayFn best_erf(const kernels::KernelTable& table) {
#if defined(__x86_64__)
  if (kernels::has_avx512(table.isa)) return erf_avx512;
  if (table.isa == kernels::Isa::kAvx2) return erf_avx2;
#endif
  (void)table;
  return erf_portable;
}

FloatArrayFn best_gelu_erf(const kernels::KernelTable& table) {
#if defined(__x86_64__)
  if (kernels::has_avx512(table.isa)) return gelu_erf_avx512;
  if (table.isa == kernels::Isa::kAvx2) return gelu_erf_avx2;
#endif
  (void)table;
  return gelu_erf_portable;
}

Status run_float_array(OpRunContext& ctx, const Tensor& x, FloatArrayFn fn) {
  CI_ASSIGN_OR_RETURN(Tensor * y, ctx.allocate_output_uninitialized(0, ElemType::kFloat, x.shape()));
  const float* in = x.data<float>();
  float* out = y->data<float>();
  ctx.parallel_for(x.numel(), kGrain, [&](int64_t begin, int64_t end) { fn(in + begin, out + begin, end - begin); });
  return Status::ok();
}

}  // namespace coreinfer::elementwise
