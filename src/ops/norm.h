#pragma once

#include "ops/op_context.h"

namespace coreinfer::ops {

// y[i] = rmsnorm(x[i]) * weight for each of n rows of `dim` values. y may equal x.
void rmsnorm_rows(OpContext& ctx, const float* x, const float* weight, float* y, int64_t n, int64_t dim, float eps);

}  // namespace coreinfer::ops
