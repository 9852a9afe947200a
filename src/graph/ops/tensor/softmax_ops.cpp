// Softmax, LogSoftmax, Hardmax. Before opset 13 the input is coerced to 2-D at `axis` (default 1)
// and normalised over the flattened trailing part; from 13 over the single axis (default -1).
// Max-subtraction keeps exp() in range.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

#include "graph/ops/tensor/tensor_common.h"
#include "graph/ops/tensor/tensor_groups.h"
#include "kernels/kernel_table.h"

namespace coreinfer::tensor_ops {
namespace {

enum class SoftKind { kSoftmax, kLogSoftmax, kHardmax };

// One (outer) block of n x inner elements: normalise along n, `inner` columns at a time.
template <typename T>
void soft_block(const T* x, T* y, int64_t n, int64_t inner, SoftKind kind, std::vector<double>& mx,
                std::vector<double>& sum, std::vector<int64_t>& arg) {
  mx.assign(inner, -std::numeric_limits<double>::infinity());
  sum.assign(inner, 0.0);
  arg.assign(inner, 0);
  for (int64_t k = 0; k < n; ++k)
    for (int64_t i = 0; i < inner; ++i) {
      const double v = static_cast<double>(x[k * inner + i]);
      if (v > mx[i]) {
        mx[i] = v;
        arg[i] = k;
      }
    }
  if (kind == SoftKind::kHardmax) {
    std::fill_n(y, n * inner, T(0));
    for (int64_t i = 0; i < inner; ++i) y[arg[i] * inner + i] = T(1);
    return;
  }
  for (int64_t k = 0; k < n; ++k)
    for (int64_t i = 0; i < inner; ++i) {
      const double e = std::exp(static_cast<double>(x[k * inner + i]) - mx[i]);
      sum[i] += e;
      if (kind == SoftKind::kSoftmax) y[k * inner + i] = static_cast<T>(e);
    }
  for (int64_t k = 0; k < n; ++k)
    for (int64_t i = 0; i < inner; ++i) {
      if (kind == SoftKind::kSoftmax)
        y[k * inner + i] = static_cast<T>(static_cast<double>(y[k * inner + i]) / sum[i]);
      else
        y[k * inner + i] = static_cast<T>(static_cast<double>(x[k * inner + i]) - mx[i] - std::log(sum[i]));
    }
}

template <typename T>
void soft_typed(const OpRunContext& ctx, const T* x, T* y, int64_t outer, int64_t n, int64_t inner, SoftKind kind) {
  const bool fast_f32 = std::is_same_v<T, float> && kind == SoftKind::kSoftmax && inner == 1 &&
                        ctx.kernels.softmax != nullptr;
  ctx.parallel_for(outer, std::max<int64_t>(1, 16384 / std::max<int64_t>(1, n * inner)), [&](int64_t b, int64_t e) {
    std::vector<double> mx, sum;
    std::vector<int64_t> arg;
    for (int64_t o = b; o < e; ++o) {
      const T* xo = x + o * n * inner;
      T* yo = y + o * n * inner;
      if constexpr (std::is_same_v<T, float>) {
        if (fast_f32) {
          std::memcpy(yo, xo, static_cast<size_t>(n) * sizeof(float));
          ctx.kernels.softmax(yo, n);
          continue;
        }
      }
      soft_block<T>(xo, yo, n, inner, kind, mx, sum, arg);
    }
  });
}

OpFactory soft_factory(SoftKind kind) {
  return [kind](const OpBuildContext& b) -> Result<std::unique_ptr<OpKernel>> {
    const bool coerce_2d = opset_of(b) < 13;
    const int64_t axis_attr = b.attrs().get_int("axis", coerce_2d ? 1 : -1);
    return make_kernel([=](OpRunContext& ctx) -> Status {
      CI_ASSIGN_OR_RETURN(const Tensor* x, required_input(ctx, 0, "input"));
      const int r = x->rank();
      int64_t axis = 0;
      if (coerce_2d) {
        if (axis_attr < -r || axis_attr > r)
          return invalid_argument("axis " + std::to_string(axis_attr) + " is out of range for a rank-" +
                                  std::to_string(r) + " tensor");
        axis = axis_attr < 0 ? axis_attr + r : axis_attr;
      } else {
        CI_ASSIGN_OR_RETURN(axis, normalize_axis(axis_attr, r));
      }
      int64_t outer = 1, n = 1, inner = 1;
      for (int d = 0; d < r; ++d) {
        if (d < axis)
          outer *= x->dim(d);
        else if (d == axis || coerce_2d)
          n *= x->dim(d);
        else
          inner *= x->dim(d);
      }
      CI_ASSIGN_OR_RETURN(Tensor * out, ctx.allocate_output(0, x->type(), x->shape()));
      if (out->numel() == 0) return Status::ok();
      switch (x->type()) {
        case ElemType::kFloat: soft_typed(ctx, x->data<float>(), out->data<float>(), outer, n, inner, kind); break;
        case ElemType::kDouble: soft_typed(ctx, x->data<double>(), out->data<double>(), outer, n, inner, kind); break;
        default:
          return unsupported(std::string("this op supports float32 and float64, got ") + elem_type_name(x->type()));
      }
      return Status::ok();
    });
  };
}

}  // namespace

void register_softmax_ops(OpRegistry& r) {
  r.add("", "Softmax", soft_factory(SoftKind::kSoftmax));
  r.add("", "LogSoftmax", soft_factory(SoftKind::kLogSoftmax));
  r.add("", "Hardmax", soft_factory(SoftKind::kHardmax));
}

}  // namespace coreinfer::tensor_ops
