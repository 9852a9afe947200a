#include "graph/ops/nn/depthwise.h"
#include "kernels/kernel_table.h"

namespace coreinfer::nn {

DepthwisePlanesFn select_depthwise_planes(const kernels::KernelTable& table) {
#if defined(__x86_64__)
  if (kernels::has_avx512(table.isa)) return depthwise_planes_avx512;
#elif defined(__aarch64__)
  if (table.isa >= kernels::Isa::kNeon) return depthwise_planes_neon;
#endif
  (void)table;
  return depthwise_planes_generic;
}

}  // namespace coreinfer::nn
