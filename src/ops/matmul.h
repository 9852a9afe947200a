// y = x · Wᵀ: x is [n][cols] fp32, W is [rows][cols] in any weight format, y is [n][rows] fp32.
// One token: a GEMV that streams W once through the fused dequantise-and-dot kernel.
// Several tokens: W is dequantised a tile of rows at a time into per-thread scratch and fed to
// the fp32 GEMM kernel, so each weight byte is decoded once per call, not once per token.
#pragma once

#include "ops/op_context.h"
#include "ops/weight_matrix.h"

namespace coreinfer::ops {

void matmul(OpContext& ctx, const WeightMatrix& w, const float* x, int64_t n, float* y);

}  // namespace coreinfer::ops
