// Small checks and helpers shared by the nn ops.
#pragma once

#include <string>

#include "core/status.h"
#include "graph/activation.h"
#include "graph/op_kernel.h"
#include "graph/tensor.h"

namespace coreinfer::nn {

// The input as a float32 tensor, or an error naming it ("input X is missing" / "must be float32").
Result<const Tensor*> float_input(const OpRunContext& ctx, size_t i, const char* name);
// Same, but nullptr when the optional input is absent.
Result<const Tensor*> optional_float_input(const OpRunContext& ctx, size_t i, const char* name);
// The fused activation attributes of the node.
inline Result<Activation> fused_activation(const OpBuildContext& ctx) { return activation_from_attrs(ctx.attrs()); }

// A kernel object built from a lambda that needs no state beyond its captures.
template <typename Fn>
Result<std::unique_ptr<OpKernel>> make_kernel(Fn fn) {
  return std::unique_ptr<OpKernel>(new LambdaKernel(std::move(fn)));
}

}  // namespace coreinfer::nn
