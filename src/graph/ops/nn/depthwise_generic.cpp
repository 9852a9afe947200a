#include "graph/ops/nn/depthwise.h"
#include "graph/ops/nn/depthwise_impl.h"

namespace coreinfer::nn {
void depthwise_fused_generic(const WindowGeometry& g, const float* x, const float* w, const DepthwiseEpilogue& e,
                             float* y) {
  detail::depthwise_fused(g, x, w, e, y);
}

void depthwise_planes_generic(const WindowGeometry& g, const DepthwisePlanes& a, int64_t begin, int64_t end) {
  detail::for_each_plane(g, a, begin, end, detail::depthwise_fused);
}
}  // namespace coreinfer::nn
