// The depthwise plane loop of depthwise_kernel.h compiled for AVX-512.
#if defined(__x86_64__)
#include "graph/ops/quant/depthwise_kernel.h"

namespace coreinfer::quant {

void depthwise_plane_avx512(const void* x, ElemType x_type, int32_t x_zero, const double* w, const Window2d& g,
                            int32_t bias, const Requant& rq, void* y, ElemType y_type, double* scratch) {
  depthwise_plane_dispatch(x, x_type, x_zero, w, g, bias, rq, y, y_type, scratch);
}

}  // namespace coreinfer::quant
#endif
