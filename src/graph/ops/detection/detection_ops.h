// Factories of the detection operators (registered in register_detection.cpp) and the small
// input checks they share.
#pragma once

#include <memory>
#include <optional>

#include "graph/op_kernel.h"

namespace coreinfer::detection {

Result<std::unique_ptr<OpKernel>> make_non_max_suppression(const OpBuildContext& ctx);
Result<std::unique_ptr<OpKernel>> make_grid_sample(const OpBuildContext& ctx);
Result<std::unique_ptr<OpKernel>> make_roi_align(const OpBuildContext& ctx);
Result<std::unique_ptr<OpKernel>> make_max_unpool(const OpBuildContext& ctx);

// The input as a tensor of `type`, or an error naming it ("input X is missing" / "must be float32").
Result<const Tensor*> typed_input(const OpRunContext& ctx, size_t i, const char* name, ElemType type);
// Same, but nullptr when the optional input is absent.
Result<const Tensor*> optional_typed_input(const OpRunContext& ctx, size_t i, const char* name, ElemType type);
// The single value of an optional scalar or one-element input (absent or empty: nullopt).
Result<std::optional<double>> optional_scalar(const OpRunContext& ctx, size_t i, const char* name);

template <typename Fn>
Result<std::unique_ptr<OpKernel>> make_kernel(Fn fn) {
  return std::unique_ptr<OpKernel>(new LambdaKernel(std::move(fn)));
}

}  // namespace coreinfer::detection
