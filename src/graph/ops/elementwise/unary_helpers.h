// Registration of one-input ops: an op is a functor T -> R applied element by element; the
// output has X's shape and type R (T for math, bool for predicates).
#pragma once

#include <string>
#include <type_traits>

#include "graph/ops/elementwise/common.h"
#include "graph/ops/elementwise/loops.h"
#include "graph/ops/elementwise/type_dispatch.h"

namespace coreinfer::elementwise {

template <typename Types, typename Op>
Status run_unary(OpRunContext& ctx, Types types, const Op& op) {
  CI_ASSIGN_OR_RETURN(const Tensor* x, required_input(ctx, 0, "X"));
  return dispatch(types, x->type(), "input X", [&](auto tag) -> Status {
    using T = typename decltype(tag)::type;
    using R = decltype(op(T{}));
    CI_ASSIGN_OR_RETURN(Tensor * y, ctx.allocate_output(0, elem_type_of<R>(), x->shape()));
    map_unary(ctx, x->data<T>(), y->data<R>(), x->numel(), op);
    return Status::ok();
  });
}

// An op without attributes (or with attributes already read into `op`).
template <typename Types, typename Op>
OpFactory unary_factory(Types types, Op op) {
  return [types, op](const OpBuildContext&) -> Result<std::unique_ptr<OpKernel>> {
    return make_kernel([types, op](OpRunContext& ctx) { return run_unary(ctx, types, op); });
  };
}

// An op whose functor is made from the node: make(build_ctx) returns Result<Op>.
template <typename Types, typename MakeOp>
OpFactory unary_factory_with(Types types, MakeOp make) {
  return [types, make](const OpBuildContext& b) -> Result<std::unique_ptr<OpKernel>> {
    auto op = make(b);
    if (!op.is_ok()) return op.status();
    return make_kernel([types, op = std::move(op).value()](OpRunContext& ctx) { return run_unary(ctx, types, op); });
  };
}

// Wrapping integer negation (no overflow on the most negative value).
template <typename T>
inline T wrap_neg(T x) {
  if constexpr (std::is_integral_v<T>) return static_cast<T>(WrapType<T>(0) - static_cast<WrapType<T>>(x));
  else return -x;
}

}  // namespace coreinfer::elementwise
