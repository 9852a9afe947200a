// Reductions over axes (Reduce*), ArgMax/ArgMin and CumSum. Reduce takes its axes from an
// attribute before opset 13 (ReduceSum) / 18 (the others), from input 1 after.
#include <algorithm>
#include <cmath>
#include <limits>

#include "graph/ops/tensor/tensor_common.h"
#include "graph/ops/tensor/tensor_groups.h"

namespace coreinfer::tensor_ops {
namespace {

enum class ReduceKind { kSum, kMean, kMax, kMin, kProd, kL1, kL2, kSumSquare, kLogSum, kLogSumExp };

// Accumulator type: double for floating point, the widest integer for integers.
template <typename T>
using Acc = std::conditional_t<std::is_floating_point_v<T>, double,
                               std::conditional_t<std::is_signed_v<T>, int64_t, uint64_t>>;

template <typename T>
T reduce_row(const T* x, int64_t n, ReduceKind kind) {
  using A = Acc<T>;
  switch (kind) {
    case ReduceKind::kMax: {
      if (n == 0) return std::numeric_limits<T>::has_infinity ? -std::numeric_limits<T>::infinity()
                                                              : std::numeric_limits<T>::lowest();
      T m = x[0];
      for (int64_t i = 1; i < n; ++i)
        if (x[i] > m || x[i] != x[i]) m = x[i];
      return m;
    }
    case ReduceKind::kMin: {
      if (n == 0) return std::numeric_limits<T>::has_infinity ? std::numeric_limits<T>::infinity()
                                                              : std::numeric_limits<T>::max();
      T m = x[0];
      for (int64_t i = 1; i < n; ++i)
        if (x[i] < m || x[i] != x[i]) m = x[i];
      return m;
    }
    case ReduceKind::kProd: {
      A p = 1;
      for (int64_t i = 0; i < n; ++i) p *= static_cast<A>(x[i]);
      return static_cast<T>(p);
    }
    case ReduceKind::kLogSumExp: {
      if (n == 0) return static_cast<T>(-std::numeric_limits<double>::infinity());
      double m = static_cast<double>(x[0]);
      for (int64_t i = 1; i < n; ++i) m = std::max(m, static_cast<double>(x[i]));
      if (std::isinf(m)) return static_cast<T>(m);
      double s = 0;
      for (int64_t i = 0; i < n; ++i) s += std::exp(static_cast<double>(x[i]) - m);
      return static_cast<T>(m + std::log(s));
    }
    default: break;
  }
  A s = 0;
  switch (kind) {
    case ReduceKind::kL1:
      for (int64_t i = 0; i < n; ++i) s += x[i] < T(0) ? static_cast<A>(-static_cast<A>(x[i])) : static_cast<A>(x[i]);
      return static_cast<T>(s);
    case ReduceKind::kL2:
    case ReduceKind::kSumSquare:
      for (int64_t i = 0; i < n; ++i) s += static_cast<A>(x[i]) * static_cast<A>(x[i]);
      return kind == ReduceKind::kL2 ? static_cast<T>(std::sqrt(static_cast<double>(s))) : static_cast<T>(s);
    default:
      for (int64_t i = 0; i < n; ++i) s += static_cast<A>(x[i]);
  }
  if (kind == ReduceKind::kMean)
    return n == 0 ? static_cast<T>(std::numeric_limits<double>::quiet_NaN()) : static_cast<T>(static_cast<double>(s) / static_cast<double>(n));
  if (kind == ReduceKind::kLogSum) return static_cast<T>(std::log(static_cast<double>(s)));
  return static_cast<T>(s);
}

template <typename T>
void reduce_rows(const OpRunContext& ctx, const T* x, T* y, int64_t rows, int64_t n, ReduceKind kind) {
  ctx.parallel_for(rows, std::max<int64_t>(1, 16384 / std::max<int64_t>(n, 1)), [&](int64_t b, int64_t e) {
    for (int64_t r = b; r < e; ++r) y[r] = reduce_row<T>(x + r * n, n, kind);
  });
}

// Reduction over the middle of [outer, n, inner] without transposing the whole tensor: blocks of
// kCols columns are gathered into a small [kCols][n] buffer (one cache line per source row) and
// reduced as contiguous rows.
constexpr int64_t kCols = 16;

template <typename T>
void reduce_middle(const OpRunContext& ctx, const T* x, T* y, int64_t outer, int64_t n, int64_t inner,
                   ReduceKind kind) {
  const int64_t col_blocks = (inner + kCols - 1) / kCols;
  ctx.parallel_for(outer * col_blocks, std::max<int64_t>(1, 4096 / std::max<int64_t>(n * kCols, 1)),
                   [&](int64_t b, int64_t e) {
                     std::vector<T> buf(static_cast<size_t>(kCols * n));
                     for (int64_t t = b; t < e; ++t) {
                       const int64_t o = t / col_blocks, c0 = (t % col_blocks) * kCols;
                       const int64_t nc = std::min(kCols, inner - c0);
                       for (int64_t k = 0; k < n; ++k) {
                         const T* row = x + (o * n + k) * inner + c0;
                         for (int64_t c = 0; c < nc; ++c) buf[c * n + k] = row[c];
                       }
                       for (int64_t c = 0; c < nc; ++c) y[o * inner + c0 + c] = reduce_row<T>(buf.data() + c * n, n, kind);
                     }
                   });
}

struct ReduceSpec {
  ReduceKind kind;
  bool axes_from_input = false;
  bool has_axes_attr = false;
  std::vector<int64_t> axes_attr;
  bool keepdims = true;
  bool noop_with_empty_axes = false;
};

Status run_reduce(OpRunContext& ctx, const ReduceSpec& spec) {
  CI_ASSIGN_OR_RETURN(const Tensor* x, required_input(ctx, 0, "data"));
  std::vector<int64_t> axes;
  bool have_axes = spec.has_axes_attr;
  if (spec.axes_from_input) {
    const Tensor* a = ctx.input(1);
    have_axes = a != nullptr && a->defined() && a->numel() > 0;
    if (have_axes) {
      CI_ASSIGN_OR_RETURN(axes, index_values(*a, "axes"));
    }
  } else {
    axes = spec.axes_attr;
    have_axes = have_axes && !axes.empty();
  }
  if (!have_axes && spec.noop_with_empty_axes) {
    ctx.outputs[0] = *x;
    return Status::ok();
  }
  const int r = x->rank();
  std::vector<bool> reduced(r, !have_axes);
  if (have_axes) {
    CI_ASSIGN_OR_RETURN(axes, normalize_axes(axes, r));
    for (int64_t a : axes) reduced[a] = true;
  }
  Shape out_shape, kept_shape;
  std::vector<int64_t> perm_kept, perm_reduced;
  int64_t n = 1;
  for (int d = 0; d < r; ++d) {
    if (reduced[d]) {
      n *= x->dim(d);
      perm_reduced.push_back(d);
      if (spec.keepdims) out_shape.push_back(1);
    } else {
      perm_kept.push_back(d);
      out_shape.push_back(x->dim(d));
    }
  }
  CI_ASSIGN_OR_RETURN(Tensor * out, ctx.allocate_output(0, x->type(), out_shape));
  const int64_t rows = out->numel();
  if (rows == 0) return Status::ok();
  // One block of reduced axes with kept axes after it: reduce in column blocks, no copy.
  int first_red = -1, last_red = -1;
  for (int d = 0; d < r; ++d)
    if (reduced[d]) {
      if (first_red < 0) first_red = d;
      last_red = d;
    }
  bool one_block = first_red >= 0;
  int64_t outer = 1, inner = 1;
  for (int d = 0; d < r && one_block; ++d) {
    if (d > first_red && d < last_red && !reduced[d]) one_block = false;
    if (d < first_red) outer *= x->dim(d);
    if (d > last_red) inner *= x->dim(d);
  }
  if (one_block && inner > 1 && n > 1 && n * kCols * static_cast<int64_t>(elem_size(x->type())) <= (int64_t{1} << 22)) {
    switch (x->type()) {
#define CI_REDUCE_MID(ET, T) \
  case ET: reduce_middle<T>(ctx, x->data<T>(), out->data<T>(), outer, n, inner, spec.kind); return Status::ok();
      CI_REDUCE_MID(ElemType::kFloat, float)
      CI_REDUCE_MID(ElemType::kDouble, double)
      CI_REDUCE_MID(ElemType::kInt32, int32_t)
      CI_REDUCE_MID(ElemType::kInt64, int64_t)
      CI_REDUCE_MID(ElemType::kUint32, uint32_t)
      CI_REDUCE_MID(ElemType::kUint64, uint64_t)
      CI_REDUCE_MID(ElemType::kInt8, int8_t)
      CI_REDUCE_MID(ElemType::kUint8, uint8_t)
#undef CI_REDUCE_MID
      default: break;  // the general path reports the unsupported type
    }
  }
  // Reduced axes last: a transposed copy unless they already are.
  std::vector<int64_t> perm = perm_kept;
  perm.insert(perm.end(), perm_reduced.begin(), perm_reduced.end());
  bool identity = true;
  for (int d = 0; d < r; ++d) identity = identity && perm[d] == d;
  Tensor src = *x;
  if (!identity && n > 1) {
    CI_ASSIGN_OR_RETURN(src, Tensor::allocate(x->type(), {x->numel()}));
    transpose_copy(&ctx, elem_size(x->type()), x->shape(), perm, x->raw(), src.raw());
  }
  switch (x->type()) {
#define CI_REDUCE_CASE(ET, T) \
  case ET: reduce_rows<T>(ctx, src.data<T>(), out->data<T>(), rows, n, spec.kind); return Status::ok();
    CI_REDUCE_CASE(ElemType::kFloat, float)
    CI_REDUCE_CASE(ElemType::kDouble, double)
    CI_REDUCE_CASE(ElemType::kInt32, int32_t)
    CI_REDUCE_CASE(ElemType::kInt64, int64_t)
    CI_REDUCE_CASE(ElemType::kUint32, uint32_t)
    CI_REDUCE_CASE(ElemType::kUint64, uint64_t)
    CI_REDUCE_CASE(ElemType::kInt8, int8_t)
    CI_REDUCE_CASE(ElemType::kUint8, uint8_t)
#undef CI_REDUCE_CASE
    default:
      return unsupported(std::string("reduction of ") + elem_type_name(x->type()) + " tensors is not supported");
  }
}

OpFactory reduce_factory(ReduceKind kind, int64_t axes_input_opset) {
  return [kind, axes_input_opset](const OpBuildContext& b) -> Result<std::unique_ptr<OpKernel>> {
    ReduceSpec spec;
    spec.kind = kind;
    spec.has_axes_attr = b.attrs().has("axes");
    spec.axes_attr = b.attrs().get_ints("axes");
    spec.axes_from_input = opset_of(b) >= axes_input_opset && !spec.has_axes_attr;
    spec.keepdims = b.attrs().get_int("keepdims", 1) != 0;
    spec.noop_with_empty_axes = b.attrs().get_int("noop_with_empty_axes", 0) != 0;
    return make_kernel([spec](OpRunContext& ctx) { return run_reduce(ctx, spec); });
  };
}

template <typename T>
void arg_typed(const T* x, int64_t* y, int64_t outer, int64_t n, int64_t inner, bool is_max, bool last) {
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t i = 0; i < inner; ++i) {
      const T* p = x + o * n * inner + i;
      int64_t best = 0;
      for (int64_t k = 1; k < n; ++k) {
        const T v = p[k * inner], b = p[best * inner];
        const bool better = is_max ? (last ? v >= b : v > b) : (last ? v <= b : v < b);
        if (better) best = k;
      }
      y[o * inner + i] = best;
    }
}

Result<std::unique_ptr<OpKernel>> make_arg(const OpBuildContext& b, bool is_max) {
  const int64_t axis_attr = b.attrs().get_int("axis", 0);
  const bool keepdims = b.attrs().get_int("keepdims", 1) != 0;
  const bool last = b.attrs().get_int("select_last_index", 0) != 0;
  return make_kernel([=](OpRunContext& ctx) -> Status {
    CI_ASSIGN_OR_RETURN(const Tensor* x, required_input(ctx, 0, "data"));
    CI_ASSIGN_OR_RETURN(int64_t axis, normalize_axis(axis_attr, x->rank()));
    const int r = x->rank();
    if (r == 0) return invalid_argument("ArgMax/ArgMin: input must have rank >= 1");
    const int64_t n = x->dim(static_cast<int>(axis));
    if (n == 0) return invalid_argument("ArgMax/ArgMin: axis " + std::to_string(axis) + " of " + shape_string(x->shape()) + " is empty");
    Shape out_shape;
    int64_t outer = 1, inner = 1;
    for (int d = 0; d < r; ++d) {
      if (d == axis) {
        if (keepdims) out_shape.push_back(1);
        continue;
      }
      out_shape.push_back(x->dim(d));
      (d < axis ? outer : inner) *= x->dim(d);
    }
    CI_ASSIGN_OR_RETURN(Tensor * out, ctx.allocate_output(0, ElemType::kInt64, out_shape));
    int64_t* y = out->data<int64_t>();
    switch (x->type()) {
      case ElemType::kFloat: arg_typed(x->data<float>(), y, outer, n, inner, is_max, last); break;
      case ElemType::kDouble: arg_typed(x->data<double>(), y, outer, n, inner, is_max, last); break;
      case ElemType::kInt32: arg_typed(x->data<int32_t>(), y, outer, n, inner, is_max, last); break;
      case ElemType::kInt64: arg_typed(x->data<int64_t>(), y, outer, n, inner, is_max, last); break;
      case ElemType::kInt8: arg_typed(x->data<int8_t>(), y, outer, n, inner, is_max, last); break;
      case ElemType::kUint8: arg_typed(x->data<uint8_t>(), y, outer, n, inner, is_max, last); break;
      default: return unsupported(std::string("ArgMax/ArgMin of ") + elem_type_name(x->type()) + " is not supported");
    }
    return Status::ok();
  });
}

template <typename T>
void cumsum_typed(const T* x, T* y, int64_t outer, int64_t n, int64_t inner, bool exclusive, bool reverse) {
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t i = 0; i < inner; ++i) {
      T acc = 0;
      for (int64_t j = 0; j < n; ++j) {
        const int64_t k = reverse ? n - 1 - j : j;
        const int64_t at = (o * n + k) * inner + i;
        if (exclusive) {
          y[at] = acc;
          acc += x[at];
        } else {
          acc += x[at];
          y[at] = acc;
        }
      }
    }
}

Result<std::unique_ptr<OpKernel>> make_cumsum(const OpBuildContext& b) {
  const bool exclusive = b.attrs().get_int("exclusive", 0) != 0;
  const bool reverse = b.attrs().get_int("reverse", 0) != 0;
  return make_kernel([=](OpRunContext& ctx) -> Status {
    CI_ASSIGN_OR_RETURN(const Tensor* x, required_input(ctx, 0, "x"));
    CI_ASSIGN_OR_RETURN(const Tensor* axis_t, required_input(ctx, 1, "axis"));
    CI_ASSIGN_OR_RETURN(std::vector<int64_t> av, index_values(*axis_t, "axis"));
    if (av.size() != 1) return invalid_argument("CumSum: 'axis' must be a scalar");
    CI_ASSIGN_OR_RETURN(int64_t axis, normalize_axis(av[0], x->rank()));
    int64_t outer = 1, inner = 1;
    for (int d = 0; d < x->rank(); ++d) {
      if (d < axis) outer *= x->dim(d);
      if (d > axis) inner *= x->dim(d);
    }
    const int64_t n = x->rank() == 0 ? 1 : x->dim(static_cast<int>(axis));
    CI_ASSIGN_OR_RETURN(Tensor * out, ctx.allocate_output(0, x->type(), x->shape()));
    switch (x->type()) {
      case ElemType::kFloat: cumsum_typed(x->data<float>(), out->data<float>(), outer, n, inner, exclusive, reverse); break;
      case ElemType::kDouble: cumsum_typed(x->data<double>(), out->data<double>(), outer, n, inner, exclusive, reverse); break;
      case ElemType::kInt32: cumsum_typed(x->data<int32_t>(), out->data<int32_t>(), outer, n, inner, exclusive, reverse); break;
      case ElemType::kInt64: cumsum_typed(x->data<int64_t>(), out->data<int64_t>(), outer, n, inner, exclusive, reverse); break;
      case ElemType::kUint32: cumsum_typed(x->data<uint32_t>(), out->data<uint32_t>(), outer, n, inner, exclusive, reverse); break;
      case ElemType::kUint64: cumsum_typed(x->data<uint64_t>(), out->data<uint64_t>(), outer, n, inner, exclusive, reverse); break;
      default: return unsupported(std::string("CumSum of ") + elem_type_name(x->type()) + " is not supported");
    }
    return Status::ok();
  });
}

}  // namespace

void register_reduce_ops(OpRegistry& r) {
  r.add("", "ReduceSum", reduce_factory(ReduceKind::kSum, 13));
  r.add("", "ReduceMean", reduce_factory(ReduceKind::kMean, 18));
  r.add("", "ReduceMax", reduce_factory(ReduceKind::kMax, 18));
  r.add("", "ReduceMin", reduce_factory(ReduceKind::kMin, 18));
  r.add("", "ReduceProd", reduce_factory(ReduceKind::kProd, 18));
  r.add("", "ReduceL1", reduce_factory(ReduceKind::kL1, 18));
  r.add("", "ReduceL2", reduce_factory(ReduceKind::kL2, 18));
  r.add("", "ReduceSumSquare", reduce_factory(ReduceKind::kSumSquare, 18));
  r.add("", "ReduceLogSum", reduce_factory(ReduceKind::kLogSum, 18));
  r.add("", "ReduceLogSumExp", reduce_factory(ReduceKind::kLogSumExp, 18));
  r.add("", "ArgMax", [](const OpBuildContext& b) { return make_arg(b, true); });
  r.add("", "ArgMin", [](const OpBuildContext& b) { return make_arg(b, false); });
  r.add("", "CumSum", make_cumsum);
}

}  // namespace coreinfer::tensor_ops
