// The control-flow operators' factories (registered by register_control_ops) and their shared
// helpers.
#pragma once

#include <memory>
#include <string>

#include "graph/op_kernel.h"

namespace coreinfer {

// Most iterations a Loop may run (a loop without trip count whose condition never turns false).
inline constexpr int64_t kMaxLoopIterations = int64_t{1} << 22;

Result<std::unique_ptr<OpKernel>> make_if(const OpBuildContext& ctx);
// `max_iterations`: a smaller limit for tests.
Result<std::unique_ptr<OpKernel>> make_loop(const OpBuildContext& ctx, int64_t max_iterations = kMaxLoopIterations);
Result<std::unique_ptr<OpKernel>> make_scan(const OpBuildContext& ctx);

// The value of a one-element bool tensor; `what` names it in the error ("input 'cond'").
Result<bool> read_bool_scalar(const Tensor* t, const std::string& what);

}  // namespace coreinfer
