// y = x · Wᵀ: x is [n][cols] fp32, W is [rows][cols] in any weight format, y is [n][rows] fp32.
// Up to kernels::kMaxDotVectors (8) tokens (decode steps): W is streamed once through the fused
// dequantise-and-dot kernel (dot_multi), each row against every token, or, for a matrix in the
// 8-bit activation layout, the tokens are quantised to Q8A (BF16 weights: rounded to bf16, BF16A)
// and W goes through int8_dot_multi.
// Each token's result is bit-identical to what it gets alone (n = 1), so batching sequences
// never changes their logits.
// A matrix in the 8-bit layout takes that path up to kMaxInt8Tokens tokens (a short prompt, a
// prefill chunk), where reading the weights once beats dequantising them for the fp32 GEMM
// (measured, 16 tokens: 1.3x on a 125M model, 1.7x on TinyLlama; 64 tokens: 0.9x).
// More tokens (prompt processing): W is dequantised a tile of rows at a time into per-thread
// scratch and fed to the fp32 GEMM kernel, so each weight byte is decoded once per call.
// W may be in its GGUF layout or repacked (WeightMatrix::layout).
#pragma once

#include "kernels/kernel_table.h"
#include "ops/op_context.h"
#include "ops/weight_matrix.h"

namespace coreinfer::ops {

inline constexpr int64_t kMaxInt8Tokens = 32;
static_assert(kMaxInt8Tokens >= kernels::kMaxDotVectors, "decode batches take the dot path");

void matmul(OpContext& ctx, const WeightMatrix& w, const float* x, int64_t n, float* y);

}  // namespace coreinfer::ops
