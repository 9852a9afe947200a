// Two-input ops with numpy broadcasting: A and B of one type, op(a, b) -> R element by element.
#pragma once

#include <string>
#include <type_traits>

#include "graph/broadcast.h"
#include "graph/ops/elementwise/common.h"
#include "graph/ops/elementwise/loops.h"
#include "graph/ops/elementwise/type_dispatch.h"

namespace coreinfer::elementwise {

struct NoCheck {
  template <typename Tag>
  Status operator()(Tag, const Tensor&, const Tensor&) const {
    return Status::ok();
  }
};

// make_op(TypeTag<T>) gives the functor for T; check(TypeTag<T>, a, b) may reject the values
// first (integer division by zero).
template <typename Types, typename MakeOp, typename Check = NoCheck>
Status run_binary(OpRunContext& ctx, Types types, const MakeOp& make_op, const Check& check = {}) {
  CI_ASSIGN_OR_RETURN(const Tensor* a, required_input(ctx, 0, "A"));
  CI_ASSIGN_OR_RETURN(const Tensor* b, required_input(ctx, 1, "B"));
  CI_RETURN_IF_ERROR(check_same_type(*a, "A", *b, "B"));
  const Shape shapes[] = {a->shape(), b->shape()};
  CI_ASSIGN_OR_RETURN(Shape out_shape, broadcast_shapes(shapes));
  return dispatch(types, a->type(), "input A", [&](auto tag) -> Status {
    using T = typename decltype(tag)::type;
    CI_RETURN_IF_ERROR(check(tag, *a, *b));
    const auto op = make_op(tag);
    using R = decltype(op(T{}, T{}));
    CI_ASSIGN_OR_RETURN(Tensor * y, ctx.allocate_output(0, elem_type_of<R>(), out_shape));
    broadcast_binary<T, R>(ctx, *a, *b, *y, op);
    return Status::ok();
  });
}

// Rejects a zero divisor of an integer type (C++ integer division by zero traps).
struct IntegerDivisorCheck {
  template <typename Tag>
  Status operator()(Tag, const Tensor&, const Tensor& b) const {
    using T = typename Tag::type;
    if constexpr (std::is_integral_v<T>) {
      const T* p = b.data<T>();
      for (int64_t i = 0; i < b.numel(); ++i)
        if (p[i] == T(0))
          return invalid_argument("integer division by zero: input B has a zero at element " + std::to_string(i));
    }
    return Status::ok();
  }
};

template <typename Types, typename MakeOp, typename Check = NoCheck>
OpFactory binary_factory(Types types, MakeOp make_op, Check check = {}) {
  return [types, make_op, check](const OpBuildContext&) -> Result<std::unique_ptr<OpKernel>> {
    return make_kernel([types, make_op, check](OpRunContext& ctx) { return run_binary(ctx, types, make_op, check); });
  };
}

}  // namespace coreinfer::elementwise
