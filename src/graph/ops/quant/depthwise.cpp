#include "core/cpu_features.h"
#include "graph/ops/quant/depthwise_kernel.h"

namespace coreinfer::quant {

void depthwise_plane_portable(const void* x, ElemType x_type, int32_t x_zero, const double* w, const Window2d& g,
                              int32_t bias, const Requant& rq, void* y, ElemType y_type, double* scratch) {
  depthwise_plane_dispatch(x, x_type, x_zero, w, g, bias, rq, y, y_type, scratch);
}

DepthwisePlaneFn best_depthwise_plane() {
#if defined(__x86_64__)
  const CpuFeatures& f = cpu_features();
  if (f.avx512f && f.avx512bw && f.avx512vl && f.avx512dq && f.os_zmm) return depthwise_plane_avx512;
#endif
  return depthwise_plane_portable;
}

}  // namespace coreinfer::quant
