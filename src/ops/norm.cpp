#include "ops/norm.h"

namespace coreinfer::ops {

void rmsnorm_rows(OpContext& ctx, const float* x, const float* weight, float* y, int64_t n, int64_t dim, float eps) {
  const auto rmsnorm = ctx.k().rmsnorm;
  if (n == 1) {  // a decode step: not worth waking the pool
    rmsnorm(x, weight, y, dim, eps);
    return;
  }
  ctx.pool().parallel_for(n, 1, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) rmsnorm(x + i * dim, weight, y + i * dim, dim, eps);
  });
}

}  // namespace coreinfer::ops
