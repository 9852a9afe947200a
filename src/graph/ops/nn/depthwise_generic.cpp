#include "graph/ops/nn/depthwise.h"
#include "graph/ops/nn/depthwise_impl.h"

namespace coreinfer::nn {
void depthwise_plane_generic(const WindowGeometry& g, const float* x, const float* w, float bias, float* y) {
  detail::depthwise_plane(g, x, w, bias, y);
}
}  // namespace coreinfer::nn
