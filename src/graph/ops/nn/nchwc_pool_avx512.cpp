#if defined(__x86_64__)
#include "graph/ops/nn/nchwc_pool_impl.h"

namespace coreinfer::nn {

void nchwc_max_pool_rows_avx512(const WindowGeometry& g, const float* x, float* y, int64_t begin, int64_t end) {
  nchwc_max_pool_rows_impl(g, x, y, begin, end);
}

}  // namespace coreinfer::nn
#endif
