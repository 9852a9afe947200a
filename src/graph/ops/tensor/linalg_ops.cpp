// Det: the determinant of each square matrix in a [..., M, M] tensor, by LU decomposition with
// partial pivoting in double precision.
#include <algorithm>
#include <cmath>
#include <utility>
#include <vector>

#include "graph/ops/tensor/tensor_common.h"
#include "graph/ops/tensor/tensor_groups.h"

namespace coreinfer::tensor_ops {
namespace {

// Determinant of the n×n row-major matrix in `a` (destroyed).
double lu_determinant(double* a, int64_t n) {
  double det = 1.0;
  for (int64_t k = 0; k < n; ++k) {
    int64_t pivot = k;
    for (int64_t i = k + 1; i < n; ++i)
      if (std::fabs(a[i * n + k]) > std::fabs(a[pivot * n + k])) pivot = i;
    if (a[pivot * n + k] == 0.0) return 0.0;
    if (pivot != k) {
      for (int64_t j = 0; j < n; ++j) std::swap(a[k * n + j], a[pivot * n + j]);
      det = -det;
    }
    const double d = a[k * n + k];
    det *= d;
    for (int64_t i = k + 1; i < n; ++i) {
      const double f = a[i * n + k] / d;
      if (f == 0.0) continue;
      for (int64_t j = k + 1; j < n; ++j) a[i * n + j] -= f * a[k * n + j];
    }
  }
  return det;
}

template <typename T>
void det_batch(const OpRunContext& ctx, const T* x, T* y, int64_t count, int64_t n) {
  const int64_t grain = std::max<int64_t>(1, 4096 / std::max<int64_t>(1, n * n * n));
  ctx.parallel_for(count, grain, [&](int64_t b, int64_t e) {
    std::vector<double> m(static_cast<size_t>(n * n));
    for (int64_t i = b; i < e; ++i) {
      for (int64_t j = 0; j < n * n; ++j) m[j] = static_cast<double>(x[i * n * n + j]);
      y[i] = static_cast<T>(lu_determinant(m.data(), n));
    }
  });
}

Result<std::unique_ptr<OpKernel>> make_det(const OpBuildContext&) {
  return make_kernel([](OpRunContext& ctx) -> Status {
    CI_ASSIGN_OR_RETURN(const Tensor* x, required_input(ctx, 0, "X"));
    if (x->type() != ElemType::kFloat && x->type() != ElemType::kDouble)
      return unsupported(std::string("Det input X must be float32 or float64, got ") + elem_type_name(x->type()));
    if (x->rank() < 2 || x->dim(-1) != x->dim(-2))
      return invalid_argument("Det input X must have shape [..., M, M] (square matrices), got " +
                              shape_string(x->shape()));
    const int64_t n = x->dim(-1);
    const Shape out_shape(x->shape().begin(), x->shape().end() - 2);
    CI_ASSIGN_OR_RETURN(Tensor * y, ctx.allocate_output(0, x->type(), out_shape));
    const int64_t count = y->numel();
    if (x->type() == ElemType::kFloat)
      det_batch(ctx, x->data<float>(), y->data<float>(), count, n);
    else
      det_batch(ctx, x->data<double>(), y->data<double>(), count, n);
    return Status::ok();
  });
}

}  // namespace

void register_linalg_ops(OpRegistry& r) { r.add("", "Det", make_det); }

}  // namespace coreinfer::tensor_ops
