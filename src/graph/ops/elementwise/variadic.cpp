// Min, Max, Sum, Mean over 1..N inputs broadcast together.
#include <cmath>
#include <cstring>
#include <type_traits>
#include <vector>

#include "graph/broadcast.h"
#include "graph/ops/elementwise/common.h"
#include "graph/ops/elementwise/fast_math.h"
#include "graph/ops/elementwise/loops.h"
#include "graph/ops/elementwise/type_dispatch.h"

namespace coreinfer::elementwise {
namespace {

template <typename T>
struct MaxOp {  // NaN in either input gives NaN
  T operator()(T a, T b) const {
    if constexpr (std::is_floating_point_v<T>) return pick(a > b || a != a, a, b);
    else return a > b ? a : b;
  }
};
template <typename T>
struct MinOp {
  T operator()(T a, T b) const {
    if constexpr (std::is_floating_point_v<T>) return pick(a < b || a != a, a, b);
    else return a < b ? a : b;
  }
};
template <typename T>
struct SumOp {
  T operator()(T a, T b) const {
    if constexpr (std::is_integral_v<T>) return static_cast<T>(WrapType<T>(a) + WrapType<T>(b));
    else return a + b;
  }
};

// acc[i] = op(acc[i], b[i * sb]) with sb in {0, 1}.
template <typename T, typename Op>
inline void accumulate_run(T* __restrict acc, const T* __restrict b, int64_t sb, int64_t n, const Op& op) {
  if (sb != 0) {
    for (int64_t i = 0; i < n; ++i) acc[i] = op(acc[i], b[i]);
  } else {
    const T v = *b;
    for (int64_t i = 0; i < n; ++i) acc[i] = op(acc[i], v);
  }
}

template <template <typename> class Op>
Status run_variadic(OpRunContext& ctx, bool mean) {
  const size_t count = ctx.num_inputs();
  if (count == 0) return invalid_argument("needs at least one input");
  std::vector<const Tensor*> ins(count);
  std::vector<Shape> shapes(count);
  for (size_t i = 0; i < count; ++i) {
    const std::string name = "data_" + std::to_string(i);
    CI_ASSIGN_OR_RETURN(ins[i], required_input(ctx, i, name.c_str()));
    if (i > 0) CI_RETURN_IF_ERROR(check_same_type(*ins[0], "data_0", *ins[i], name.c_str()));
    shapes[i] = ins[i]->shape();
  }
  CI_ASSIGN_OR_RETURN(Shape out_shape, broadcast_shapes(shapes));
  return dispatch(NumericTypes{}, ins[0]->type(), "input data_0", [&](auto tag) -> Status {
    using T = typename decltype(tag)::type;
    CI_ASSIGN_OR_RETURN(Tensor * out, ctx.allocate_output(0, ins[0]->type(), out_shape));
    if (out->numel() == 0) return Status::ok();
    T* acc = out->data<T>();
    const Op<T> op;
    for (size_t k = 0; k < count; ++k) {
      const T* src = ins[k]->data<T>();
      const BroadcastPlan<1> plan = make_broadcast_plan<1>(out_shape, {&ins[k]->shape()});
      parallel_runs(ctx, plan, [&](int64_t o, int64_t n, const std::array<int64_t, 1>& off,
                                   const std::array<int64_t, 1>& inner) {
        if (k == 0) {
          if (inner[0] != 0) std::memcpy(acc + o, src + off[0], static_cast<size_t>(n) * sizeof(T));
          else std::fill(acc + o, acc + o + n, src[off[0]]);
        } else {
          accumulate_run(acc + o, src + off[0], inner[0], n, op);
        }
      });
    }
    if (mean) {
      const T divisor = static_cast<T>(count);
      ctx.parallel_for(out->numel(), kGrain, [&](int64_t begin, int64_t end) {
        for (int64_t i = begin; i < end; ++i) acc[i] = static_cast<T>(acc[i] / divisor);
      });
    }
    return Status::ok();
  });
}

template <template <typename> class Op>
OpFactory variadic_factory(bool mean) {
  return [mean](const OpBuildContext&) -> Result<std::unique_ptr<OpKernel>> {
    return make_kernel([mean](OpRunContext& ctx) { return run_variadic<Op>(ctx, mean); });
  };
}

}  // namespace

void register_variadic(OpRegistry& r) {
  r.add("", "Max", variadic_factory<MaxOp>(false));
  r.add("", "Min", variadic_factory<MinOp>(false));
  r.add("", "Sum", variadic_factory<SumOp>(false));
  r.add("", "Mean", variadic_factory<SumOp>(true));
}

}  // namespace coreinfer::elementwise
