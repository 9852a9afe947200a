// The MaxPool fast path built with AVX-512: the stride-2 folds of ResNet's stem pool take 16
// outputs per step (the baseline build's SSE code handled strided loads poorly).
#if defined(__x86_64__)
#include "graph/ops/nn/max_pool_2d.h"
#include "graph/ops/nn/max_pool_2d_impl.h"

namespace coreinfer::nn {

void max_pool_plane_2d_avx512(const WindowGeometry& g, const float* x, float* y) { max_pool_plane_impl(g, x, y); }

}  // namespace coreinfer::nn
#endif
