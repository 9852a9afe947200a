// Index-driven writes: ScatterND, ScatterElements (and its opset 9-10 name Scatter). The output is
// a copy of 'data' with 'updates' written (reduction "none", any type) or combined (add, mul, max,
// min; numeric types).
#include <algorithm>
#include <cstring>

#include "graph/ops/tensor/tensor_common.h"
#include "graph/ops/tensor/tensor_groups.h"

namespace coreinfer::tensor_ops {
namespace {

enum class Reduction { kNone, kAdd, kMul, kMax, kMin };

Result<Reduction> parse_reduction(const std::string& s) {
  if (s == "none") return Reduction::kNone;
  if (s == "add") return Reduction::kAdd;
  if (s == "mul") return Reduction::kMul;
  if (s == "max") return Reduction::kMax;
  if (s == "min") return Reduction::kMin;
  return invalid_argument("unknown reduction '" + s + "' (expected none, add, mul, max or min)");
}

template <typename T>
void combine_typed(std::byte* dst, const std::byte* src, int64_t n, Reduction red) {
  T* d = reinterpret_cast<T*>(dst);
  const T* s = reinterpret_cast<const T*>(src);
  for (int64_t i = 0; i < n; ++i) {
    T a, b;
    std::memcpy(&a, d + i, sizeof(T));
    std::memcpy(&b, s + i, sizeof(T));
    switch (red) {
      case Reduction::kAdd: a = static_cast<T>(a + b); break;
      case Reduction::kMul: a = static_cast<T>(a * b); break;
      case Reduction::kMax: a = std::max(a, b); break;
      case Reduction::kMin: a = std::min(a, b); break;
      case Reduction::kNone: a = b; break;
    }
    std::memcpy(d + i, &a, sizeof(T));
  }
}

// Writes n elements from src into dst under `red`.
Status combine(std::byte* dst, const std::byte* src, int64_t n, ElemType type, Reduction red) {
  if (red == Reduction::kNone) {
    std::memcpy(dst, src, static_cast<size_t>(n) * elem_size(type));
    return Status::ok();
  }
  switch (type) {
    case ElemType::kFloat: combine_typed<float>(dst, src, n, red); break;
    case ElemType::kDouble: combine_typed<double>(dst, src, n, red); break;
    case ElemType::kInt32: combine_typed<int32_t>(dst, src, n, red); break;
    case ElemType::kInt64: combine_typed<int64_t>(dst, src, n, red); break;
    case ElemType::kInt8: combine_typed<int8_t>(dst, src, n, red); break;
    case ElemType::kUint8: combine_typed<uint8_t>(dst, src, n, red); break;
    default:
      return unsupported(std::string("scatter with a reduction on ") + elem_type_name(type) + " is not supported");
  }
  return Status::ok();
}

Result<int64_t> checked_index(int64_t v, int64_t dim) {
  const int64_t orig = v;
  if (v < 0) v += dim;
  if (v < 0 || v >= dim)
    return out_of_range("scatter index " + std::to_string(orig) + " is out of range [" + std::to_string(-dim) + ", " +
                        std::to_string(dim - 1) + "]");
  return v;
}

Result<std::unique_ptr<OpKernel>> make_scatter_nd(const OpBuildContext& b) {
  CI_ASSIGN_OR_RETURN(Reduction red, parse_reduction(b.attrs().get_string("reduction", "none")));
  return make_kernel([red](OpRunContext& ctx) -> Status {
    CI_ASSIGN_OR_RETURN(const Tensor* x, required_input(ctx, 0, "data"));
    CI_ASSIGN_OR_RETURN(const Tensor* idx, required_input(ctx, 1, "indices"));
    CI_ASSIGN_OR_RETURN(const Tensor* upd, required_input(ctx, 2, "updates"));
    CI_RETURN_IF_ERROR(check_index_type(*idx, "indices"));
    if (upd->type() != x->type()) return invalid_argument("ScatterND: 'updates' and 'data' types differ");
    const int64_t r = x->rank(), q = idx->rank();
    if (q < 1 || idx->dim(-1) > r)
      return invalid_argument("ScatterND: 'indices' " + shape_string(idx->shape()) + " does not fit 'data' " +
                              shape_string(x->shape()));
    const int64_t k = idx->dim(-1);
    Shape expect(idx->shape().begin(), idx->shape().end() - 1);
    expect.insert(expect.end(), x->shape().begin() + k, x->shape().end());
    if (upd->shape() != expect)
      return invalid_argument("ScatterND: 'updates' must have shape " + shape_string(expect) + ", got " +
                              shape_string(upd->shape()));
    CI_ASSIGN_OR_RETURN(Tensor * out, ctx.allocate_output(0, x->type(), x->shape()));
    if (x->bytes() > 0) std::memcpy(out->raw(), x->raw(), x->bytes());
    int64_t inner = 1;
    for (int64_t d = k; d < r; ++d) inner *= x->dim(static_cast<int>(d));
    const int64_t tuples = k == 0 ? (inner ? upd->numel() / inner : 0) : idx->numel() / k;
    const std::vector<int64_t> xs = contiguous_strides(x->shape());
    const int64_t es = static_cast<int64_t>(elem_size(x->type()));
    auto* dst = static_cast<std::byte*>(out->raw());
    const auto* src = static_cast<const std::byte*>(upd->raw());
    for (int64_t t = 0; t < tuples; ++t) {
      int64_t off = 0;
      for (int64_t j = 0; j < k; ++j) {
        CI_ASSIGN_OR_RETURN(int64_t v, checked_index(index_at(*idx, t * k + j), x->dim(static_cast<int>(j))));
        off += v * xs[j];
      }
      CI_RETURN_IF_ERROR(combine(dst + off * es, src + t * inner * es, inner, x->type(), red));
    }
    return Status::ok();
  });
}

Result<std::unique_ptr<OpKernel>> make_scatter_elements(const OpBuildContext& b) {
  CI_ASSIGN_OR_RETURN(Reduction red, parse_reduction(b.attrs().get_string("reduction", "none")));
  const int64_t axis_attr = b.attrs().get_int("axis", 0);
  return make_kernel([red, axis_attr](OpRunContext& ctx) -> Status {
    CI_ASSIGN_OR_RETURN(const Tensor* x, required_input(ctx, 0, "data"));
    CI_ASSIGN_OR_RETURN(const Tensor* idx, required_input(ctx, 1, "indices"));
    CI_ASSIGN_OR_RETURN(const Tensor* upd, required_input(ctx, 2, "updates"));
    CI_RETURN_IF_ERROR(check_index_type(*idx, "indices"));
    const int r = x->rank();
    if (upd->type() != x->type()) return invalid_argument("ScatterElements: 'updates' and 'data' types differ");
    if (r == 0 || idx->rank() != r || upd->shape() != idx->shape())
      return invalid_argument("ScatterElements: 'indices' " + shape_string(idx->shape()) + " and 'updates' " +
                              shape_string(upd->shape()) + " must have the same shape and the rank of 'data' " +
                              shape_string(x->shape()));
    CI_ASSIGN_OR_RETURN(int64_t axis, normalize_axis(axis_attr, r));
    for (int d = 0; d < r; ++d)
      if (d != axis && idx->dim(d) > x->dim(d))
        return invalid_argument("ScatterElements: 'indices' " + shape_string(idx->shape()) + " exceeds 'data' " +
                                shape_string(x->shape()));
    CI_ASSIGN_OR_RETURN(Tensor * out, ctx.allocate_output(0, x->type(), x->shape()));
    if (x->bytes() > 0) std::memcpy(out->raw(), x->raw(), x->bytes());
    const std::vector<int64_t> xs = contiguous_strides(x->shape());
    const int64_t es = static_cast<int64_t>(elem_size(x->type()));
    auto* dst = static_cast<std::byte*>(out->raw());
    const auto* src = static_cast<const std::byte*>(upd->raw());
    std::vector<int64_t> pos(r, 0);
    for (int64_t i = 0; i < idx->numel(); ++i) {
      CI_ASSIGN_OR_RETURN(int64_t kk, checked_index(index_at(*idx, i), x->dim(static_cast<int>(axis))));
      int64_t off = 0;
      for (int d = 0; d < r; ++d) off += (d == axis ? kk : pos[d]) * xs[d];
      CI_RETURN_IF_ERROR(combine(dst + off * es, src + i * es, 1, x->type(), red));
      for (int d = r - 1; d >= 0; --d) {
        if (++pos[d] < idx->dim(d)) break;
        pos[d] = 0;
      }
    }
    return Status::ok();
  });
}

}  // namespace

void register_scatter_ops(OpRegistry& r) {
  r.add("", "ScatterND", make_scatter_nd);
  r.add("", "ScatterElements", make_scatter_elements);
  r.add("", "Scatter", make_scatter_elements);
}

}  // namespace coreinfer::tensor_ops
