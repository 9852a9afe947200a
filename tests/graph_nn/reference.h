// Straightforward scalar references for the nn ops (N-d loops over explicit indices, double
// accumulation). Each returns the expected values and, per output, the sum of |terms| (the
// scale the tolerance is proportional to).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "graph/tensor.h"

namespace coreinfer::nntest {

struct RefResult {
  Shape shape;
  std::vector<float> values;
  std::vector<float> scale;
};

struct RefWindow {
  std::vector<int64_t> kernel, strides, dilations, pads;  // pads: begins then ends; all explicit
};

RefResult ref_conv(const Tensor& x, const Tensor& w, const Tensor* bias, int64_t group, const RefWindow& win);
RefResult ref_conv_transpose(const Tensor& x, const Tensor& w, const Tensor* bias, int64_t group,
                             const RefWindow& win, const std::vector<int64_t>& output_padding);
// kind: "max", "avg" (count_include_pad chooses the divisor), "lp" (p).
RefResult ref_pool(const Tensor& x, const std::string& kind, const RefWindow& win, bool ceil_mode,
                   bool count_include_pad, double p = 2);
// Y = alpha * op(A) op(B) + beta * C (C broadcast from [1|M, 1|N] or [N] or scalar).
RefResult ref_gemm(const Tensor& a, const Tensor& b, const Tensor* c, bool trans_a, bool trans_b, float alpha,
                   float beta);
RefResult ref_matmul(const Tensor& a, const Tensor& b);

}  // namespace coreinfer::nntest
