#include "graph/ops/nn/max_pool_2d.h"
#include "graph/ops/nn/max_pool_2d_impl.h"
#include "kernels/kernel_table.h"

namespace coreinfer::nn {

void max_pool_plane_2d(const WindowGeometry& g, const float* x, float* y) { max_pool_plane_impl(g, x, y); }

MaxPoolPlaneFn select_max_pool_plane(const kernels::KernelTable& table) {
#if defined(__x86_64__)
  if (kernels::has_avx512(table.isa)) return max_pool_plane_2d_avx512;
#endif
  (void)table;
  return max_pool_plane_2d;
}

}  // namespace coreinfer::nn
