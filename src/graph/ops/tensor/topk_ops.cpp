// TopK: k from the attribute before opset 10, from input 1 after. Ties keep the lower index
// first; results are always sorted (an unsorted order is unspecified, so sorted is valid).
#include <algorithm>
#include <numeric>

#include "graph/ops/tensor/tensor_common.h"
#include "graph/ops/tensor/tensor_groups.h"

namespace coreinfer::tensor_ops {
namespace {

template <typename T>
void topk_typed(const OpRunContext& ctx, const T* x, T* vals, int64_t* idx, int64_t outer, int64_t n, int64_t inner,
                int64_t k, bool largest) {
  ctx.parallel_for(outer * inner, std::max<int64_t>(1, 4096 / std::max<int64_t>(n, 1)), [&](int64_t b, int64_t e) {
    std::vector<int64_t> order(static_cast<size_t>(n));
    for (int64_t t = b; t < e; ++t) {
      const int64_t o = t / inner, i = t % inner;
      const T* p = x + o * n * inner + i;
      std::iota(order.begin(), order.end(), int64_t{0});
      auto better = [&](int64_t a, int64_t c) {
        const T va = p[a * inner], vc = p[c * inner];
        if (va != vc) return largest ? va > vc : va < vc;
        return a < c;
      };
      std::partial_sort(order.begin(), order.begin() + k, order.end(), better);
      for (int64_t j = 0; j < k; ++j) {
        const int64_t at = (o * k + j) * inner + i;
        vals[at] = p[order[j] * inner];
        idx[at] = order[j];
      }
    }
  });
}

Result<std::unique_ptr<OpKernel>> make_topk(const OpBuildContext& b) {
  const bool k_from_attr = opset_of(b) < 10;
  const int64_t k_attr = b.attrs().get_int("k", -1);
  const int64_t axis_attr = b.attrs().get_int("axis", -1);
  const bool largest = b.attrs().get_int("largest", 1) != 0;
  if (k_from_attr && !b.attrs().has("k")) return invalid_argument("TopK (opset < 10) needs the attribute 'k'");
  return make_kernel([=](OpRunContext& ctx) -> Status {
    CI_ASSIGN_OR_RETURN(const Tensor* x, required_input(ctx, 0, "X"));
    int64_t k = k_attr;
    if (!k_from_attr) {
      CI_ASSIGN_OR_RETURN(const Tensor* kt, required_input(ctx, 1, "K"));
      CI_ASSIGN_OR_RETURN(std::vector<int64_t> kv, index_values(*kt, "K"));
      if (kv.size() != 1) return invalid_argument("TopK: 'K' must hold one value");
      k = kv[0];
    }
    const int r = x->rank();
    if (r == 0) return invalid_argument("TopK: input must have rank >= 1");
    CI_ASSIGN_OR_RETURN(int64_t axis, normalize_axis(axis_attr, r));
    const int64_t n = x->dim(static_cast<int>(axis));
    if (k < 0 || k > n)
      return invalid_argument("TopK: k = " + std::to_string(k) + " is out of range [0, " + std::to_string(n) +
                              "] for axis " + std::to_string(axis) + " of " + shape_string(x->shape()));
    int64_t outer = 1, inner = 1;
    for (int d = 0; d < r; ++d) {
      if (d < axis) outer *= x->dim(d);
      if (d > axis) inner *= x->dim(d);
    }
    Shape out_shape = x->shape();
    out_shape[axis] = k;
    CI_ASSIGN_OR_RETURN(Tensor * vals, ctx.allocate_output(0, x->type(), out_shape));
    Tensor scratch;
    Tensor* idx = &scratch;
    if (ctx.num_outputs() > 1) {
      CI_ASSIGN_OR_RETURN(idx, ctx.allocate_output(1, ElemType::kInt64, out_shape));
    } else {
      CI_ASSIGN_OR_RETURN(scratch, Tensor::allocate(ElemType::kInt64, out_shape));
    }
    if (vals->numel() == 0) return Status::ok();
    int64_t* ip = idx->data<int64_t>();
    switch (x->type()) {
      case ElemType::kFloat: topk_typed(ctx, x->data<float>(), vals->data<float>(), ip, outer, n, inner, k, largest); break;
      case ElemType::kDouble: topk_typed(ctx, x->data<double>(), vals->data<double>(), ip, outer, n, inner, k, largest); break;
      case ElemType::kInt32: topk_typed(ctx, x->data<int32_t>(), vals->data<int32_t>(), ip, outer, n, inner, k, largest); break;
      case ElemType::kInt64: topk_typed(ctx, x->data<int64_t>(), vals->data<int64_t>(), ip, outer, n, inner, k, largest); break;
      case ElemType::kUint8: topk_typed(ctx, x->data<uint8_t>(), vals->data<uint8_t>(), ip, outer, n, inner, k, largest); break;
      case ElemType::kInt8: topk_typed(ctx, x->data<int8_t>(), vals->data<int8_t>(), ip, outer, n, inner, k, largest); break;
      default: return unsupported(std::string("TopK of ") + elem_type_name(x->type()) + " is not supported");
    }
    return Status::ok();
  });
}

}  // namespace

void register_topk_ops(OpRegistry& r) { r.add("", "TopK", make_topk); }

}  // namespace coreinfer::tensor_ops
