// Where(condition, X, Y): X where condition holds, else Y, all three broadcast together. Any
// element type: the values are moved as bytes of their size.
#include <cstdint>

#include "graph/broadcast.h"
#include "graph/ops/elementwise/common.h"
#include "graph/ops/elementwise/loops.h"

namespace coreinfer::elementwise {
namespace {

template <typename T>
void where_loop(const OpRunContext& ctx, const Tensor& cond, const Tensor& x, const Tensor& y, Tensor& out) {
  const uint8_t* pc = cond.data<uint8_t>();  // bytes: any non-zero byte is true
  const T* px = static_cast<const T*>(x.raw());
  const T* py = static_cast<const T*>(y.raw());
  T* po = static_cast<T*>(out.raw());
  const BroadcastPlan<3> plan = make_broadcast_plan<3>(out.shape(), {&cond.shape(), &x.shape(), &y.shape()});
  parallel_runs(ctx, plan, [&](int64_t o, int64_t n, const std::array<int64_t, 3>& off,
                               const std::array<int64_t, 3>& inner) {
    const uint8_t* c = pc + off[0];
    const T* a = px + off[1];
    const T* b = py + off[2];
    T* dst = po + o;
    const int64_t sc = inner[0], sa = inner[1], sb = inner[2];
    if (sc != 0 && sa != 0 && sb != 0) {
      for (int64_t i = 0; i < n; ++i) {
        const T av = a[i], bv = b[i];  // both loaded: a select, not a branch, so it vectorises
        const T mask = static_cast<T>(0) - static_cast<T>(c[i] != 0);
        dst[i] = static_cast<T>((av & mask) | (bv & static_cast<T>(~mask)));
      }
    } else {
      for (int64_t i = 0; i < n; ++i) dst[i] = c[i * sc] ? a[i * sa] : b[i * sb];
    }
  });
}

Status run_where(OpRunContext& ctx) {
  CI_ASSIGN_OR_RETURN(const Tensor* cond, required_input(ctx, 0, "condition"));
  CI_ASSIGN_OR_RETURN(const Tensor* x, required_input(ctx, 1, "X"));
  CI_ASSIGN_OR_RETURN(const Tensor* y, required_input(ctx, 2, "Y"));
  if (cond->type() != ElemType::kBool)
    return invalid_argument(std::string("input condition has type ") + elem_type_name(cond->type()) +
                            "; it must be bool");
  CI_RETURN_IF_ERROR(check_same_type(*x, "X", *y, "Y"));
  const Shape shapes[] = {cond->shape(), x->shape(), y->shape()};
  CI_ASSIGN_OR_RETURN(Shape out_shape, broadcast_shapes(shapes));
  CI_ASSIGN_OR_RETURN(Tensor * out, ctx.allocate_output(0, x->type(), out_shape));
  if (out->numel() == 0) return Status::ok();
  switch (elem_size(x->type())) {
    case 1: where_loop<uint8_t>(ctx, *cond, *x, *y, *out); break;
    case 2: where_loop<uint16_t>(ctx, *cond, *x, *y, *out); break;
    case 4: where_loop<uint32_t>(ctx, *cond, *x, *y, *out); break;
    case 8: where_loop<uint64_t>(ctx, *cond, *x, *y, *out); break;
    default:
      return unsupported(std::string("inputs X and Y have type ") + elem_type_name(x->type()) +
                         ", which Where does not support");
  }
  return Status::ok();
}

}  // namespace

void register_where(OpRegistry& r) {
  r.add("", "Where", [](const OpBuildContext&) -> Result<std::unique_ptr<OpKernel>> {
    return make_kernel(run_where, false);
  });
}

}  // namespace coreinfer::elementwise
