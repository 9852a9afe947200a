// The GEMM / depthwise epilogue body: x[i] = act(x[i] + bias + col_bias[i]), compiled per ISA
// (sgemm_kernel_*.cpp) so the loops vectorise at that width. Sigmoid and SiLU (exp) go to the
// shared scalar apply_activation.
#pragma once

#include <algorithm>
#include <cstdint>

#include "graph/activation.h"

namespace coreinfer::nn::detail {
// Internal linkage: each ISA's file keeps its own copy (one inline definition shared across
// files built with different flags could run AVX-512 code on a CPU without it).
namespace {

inline void bias_act(float* x, int64_t n, float bias, const float* col_bias, const Activation& act) {
  if (col_bias) {
    for (int64_t i = 0; i < n; ++i) x[i] += bias + col_bias[i];
  } else if (bias != 0.0f) {
    for (int64_t i = 0; i < n; ++i) x[i] += bias;
  }
  const float a = act.a, b = act.b;
  switch (act.kind) {
    case Activation::Kind::kNone: return;
    case Activation::Kind::kRelu:
      for (int64_t i = 0; i < n; ++i) x[i] = x[i] < 0.0f ? 0.0f : x[i];  // a NaN stays NaN, as in the Relu op
      return;
    case Activation::Kind::kClip:
      for (int64_t i = 0; i < n; ++i) x[i] = std::min(std::max(x[i], a), b);
      return;
    case Activation::Kind::kLeakyRelu:
      for (int64_t i = 0; i < n; ++i) x[i] = x[i] >= 0.0f ? x[i] : x[i] * a;
      return;
    case Activation::Kind::kHardSigmoid:
      for (int64_t i = 0; i < n; ++i) x[i] = std::max(0.0f, std::min(1.0f, a * x[i] + b));
      return;
    case Activation::Kind::kHardSwish:
      for (int64_t i = 0; i < n; ++i) x[i] = x[i] * std::max(0.0f, std::min(1.0f, x[i] / 6.0f + 0.5f));
      return;
    default:
      apply_activation(act, x, n);
      return;
  }
}

}  // namespace
}  // namespace coreinfer::nn::detail
