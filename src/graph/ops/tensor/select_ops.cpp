// Selection and rearrangement: Compress, ReverseSequence, CenterCropPad (by element size) and
// Unique (by value).
#include <algorithm>
#include <cstring>
#include <numeric>

#include "graph/ops/tensor/tensor_common.h"
#include "graph/ops/tensor/tensor_groups.h"

namespace coreinfer::tensor_ops {
namespace {

Result<std::unique_ptr<OpKernel>> make_compress(const OpBuildContext& b) {
  const bool has_axis = b.attrs().has("axis");
  const int64_t axis_attr = b.attrs().get_int("axis", 0);
  return make_kernel([=](OpRunContext& ctx) -> Status {
    CI_ASSIGN_OR_RETURN(const Tensor* x, required_input(ctx, 0, "input"));
    CI_ASSIGN_OR_RETURN(const Tensor* cond, required_input(ctx, 1, "condition"));
    if (cond->rank() != 1) return invalid_argument("Compress: 'condition' must be 1-D, got " + shape_string(cond->shape()));
    CI_ASSIGN_OR_RETURN(std::vector<int64_t> flags, cond->to_int64_vector());
    Shape in_shape = x->shape();
    int64_t axis = 0;
    if (has_axis) {
      CI_ASSIGN_OR_RETURN(axis, normalize_axis(axis_attr, x->rank()));
      if (x->rank() == 0) return invalid_argument("Compress: input must have rank >= 1 with 'axis'");
    } else {
      in_shape = {x->numel()};
    }
    const int64_t dim = in_shape[axis];
    std::vector<int64_t> keep;
    for (size_t i = 0; i < flags.size(); ++i)
      if (flags[i] != 0) {
        if (static_cast<int64_t>(i) >= dim)
          return invalid_argument("Compress: 'condition' selects index " + std::to_string(i) + " but the axis has " +
                                  std::to_string(dim));
        keep.push_back(static_cast<int64_t>(i));
      }
    Shape out_shape = in_shape;
    out_shape[axis] = static_cast<int64_t>(keep.size());
    CI_ASSIGN_OR_RETURN(Tensor * out, ctx.allocate_output(0, x->type(), out_shape));
    int64_t outer = 1, inner = 1;
    for (size_t d = 0; d < in_shape.size(); ++d) {
      if (static_cast<int64_t>(d) < axis) outer *= in_shape[d];
      if (static_cast<int64_t>(d) > axis) inner *= in_shape[d];
    }
    const size_t chunk = static_cast<size_t>(inner) * elem_size(x->type());
    const auto* src = static_cast<const std::byte*>(x->raw());
    auto* dst = static_cast<std::byte*>(out->raw());
    const int64_t nk = static_cast<int64_t>(keep.size());
    for (int64_t o = 0; o < outer; ++o)
      for (int64_t j = 0; j < nk; ++j) std::memcpy(dst + (o * nk + j) * chunk, src + (o * dim + keep[j]) * chunk, chunk);
    return Status::ok();
  });
}

Result<std::unique_ptr<OpKernel>> make_reverse_sequence(const OpBuildContext& b) {
  const int64_t batch_axis = b.attrs().get_int("batch_axis", 1);
  const int64_t time_axis = b.attrs().get_int("time_axis", 0);
  if (!((batch_axis == 0 && time_axis == 1) || (batch_axis == 1 && time_axis == 0)))
    return invalid_argument("ReverseSequence: batch_axis and time_axis must be 0 and 1 (in either order)");
  return make_kernel([=](OpRunContext& ctx) -> Status {
    CI_ASSIGN_OR_RETURN(const Tensor* x, required_input(ctx, 0, "input"));
    CI_ASSIGN_OR_RETURN(const Tensor* lens_t, required_input(ctx, 1, "sequence_lens"));
    CI_ASSIGN_OR_RETURN(std::vector<int64_t> lens, index_values(*lens_t, "sequence_lens"));
    if (x->rank() < 2) return invalid_argument("ReverseSequence: input must have rank >= 2");
    const int64_t batch = x->dim(static_cast<int>(batch_axis)), steps = x->dim(static_cast<int>(time_axis));
    if (static_cast<int64_t>(lens.size()) != batch)
      return invalid_argument("ReverseSequence: 'sequence_lens' needs " + std::to_string(batch) + " values, got " +
                              std::to_string(lens.size()));
    for (int64_t l : lens)
      if (l < 0 || l > steps)
        return invalid_argument("ReverseSequence: sequence length " + std::to_string(l) + " is outside [0, " +
                                std::to_string(steps) + "]");
    CI_ASSIGN_OR_RETURN(Tensor * out, ctx.allocate_output(0, x->type(), x->shape()));
    int64_t inner = 1;
    for (int d = 2; d < x->rank(); ++d) inner *= x->dim(d);
    const size_t chunk = static_cast<size_t>(inner) * elem_size(x->type());
    const auto* src = static_cast<const std::byte*>(x->raw());
    auto* dst = static_cast<std::byte*>(out->raw());
    auto at = [&](int64_t t, int64_t bi) { return batch_axis == 0 ? bi * steps + t : t * batch + bi; };
    for (int64_t bi = 0; bi < batch; ++bi)
      for (int64_t t = 0; t < steps; ++t) {
        const int64_t from = t < lens[bi] ? lens[bi] - 1 - t : t;
        std::memcpy(dst + at(t, bi) * chunk, src + at(from, bi) * chunk, chunk);
      }
    return Status::ok();
  });
}

// CenterCropPad (opset 18): crop or zero-pad each listed axis to the target size, centred
// (the extra element of an odd difference goes to the end).
Result<std::unique_ptr<OpKernel>> make_center_crop_pad(const OpBuildContext& b) {
  const bool has_axes = b.attrs().has("axes");
  const std::vector<int64_t> axes_attr = b.attrs().get_ints("axes");
  return make_kernel([=](OpRunContext& ctx) -> Status {
    CI_ASSIGN_OR_RETURN(const Tensor* x, required_input(ctx, 0, "input_data"));
    CI_ASSIGN_OR_RETURN(const Tensor* shape_t, required_input(ctx, 1, "shape"));
    CI_ASSIGN_OR_RETURN(std::vector<int64_t> target, index_values(*shape_t, "shape"));
    const int r = x->rank();
    std::vector<int64_t> axes;
    if (has_axes) {
      CI_ASSIGN_OR_RETURN(axes, normalize_axes(axes_attr, r));
    } else {
      for (int d = 0; d < r; ++d) axes.push_back(d);
    }
    if (target.size() != axes.size())
      return invalid_argument("CenterCropPad: 'shape' " + join_ints(target) + " needs one value per axis (" +
                              std::to_string(axes.size()) + ")");
    Shape out_shape = x->shape();
    std::vector<int64_t> begin(r, 0);  // source index of output 0 (negative: padding first)
    for (size_t i = 0; i < axes.size(); ++i) {
      const int64_t dim = x->dim(static_cast<int>(axes[i])), want = target[i];
      if (want < 0) return invalid_argument("CenterCropPad: negative size in 'shape' " + join_ints(target));
      out_shape[axes[i]] = want;
      begin[axes[i]] = want < dim ? (dim - want) / 2 : -((want - dim) / 2);
    }
    CI_ASSIGN_OR_RETURN(Tensor * out, ctx.allocate_output(0, x->type(), out_shape));
    if (out->numel() == 0) return Status::ok();
    std::vector<std::vector<int64_t>> maps(r);
    for (int d = 0; d < r; ++d) {
      maps[d].resize(out_shape[d]);
      for (int64_t o = 0; o < out_shape[d]; ++o) {
        const int64_t s = o + begin[d];
        maps[d][o] = s >= 0 && s < x->dim(d) ? s : -1;
      }
    }
    gather_by_dim_maps(&ctx, elem_size(x->type()), x->shape(), maps, x->raw(), out->raw(), nullptr);
    return Status::ok();
  });
}

// Unique over slices along `axis` (or over all elements): slice s = the elements with index s
// along the axis, compared lexicographically. Groups are numbered in sorted order or, with
// sorted = 0, in order of first occurrence.
template <typename T>
Status unique_typed(OpRunContext& ctx, const Tensor& x, const Shape& shape, int64_t axis, bool sorted,
                    bool flattened) {
  const int r = static_cast<int>(shape.size());
  int64_t outer = 1, inner = 1;
  for (int d = 0; d < r; ++d) {
    if (d < axis) outer *= shape[d];
    if (d > axis) inner *= shape[d];
  }
  const int64_t n = shape[axis];
  const T* v = x.data<T>();
  // Element e of slice s.
  auto at = [&](int64_t s, int64_t e) { return v[((e / inner) * n + s) * inner + e % inner]; };
  const int64_t len = outer * inner;
  auto less = [&](int64_t a, int64_t b) {
    for (int64_t e = 0; e < len; ++e) {
      const T va = at(a, e), vb = at(b, e);
      if (va < vb) return true;
      if (vb < va) return false;
    }
    return false;
  };
  std::vector<int64_t> order(static_cast<size_t>(n));
  std::iota(order.begin(), order.end(), int64_t{0});
  std::stable_sort(order.begin(), order.end(), less);
  std::vector<int64_t> group_of(static_cast<size_t>(n)), first, count;
  for (int64_t i = 0; i < n; ++i) {
    if (i == 0 || less(order[i - 1], order[i])) {
      first.push_back(order[i]);
      count.push_back(0);
    }
    group_of[order[i]] = static_cast<int64_t>(first.size()) - 1;
    ++count.back();
  }
  const int64_t u = static_cast<int64_t>(first.size());
  std::vector<int64_t> rank(static_cast<size_t>(u));  // group -> output position
  std::iota(rank.begin(), rank.end(), int64_t{0});
  if (!sorted) {
    std::vector<int64_t> by_first(static_cast<size_t>(u));
    std::iota(by_first.begin(), by_first.end(), int64_t{0});
    std::sort(by_first.begin(), by_first.end(), [&](int64_t a, int64_t b) { return first[a] < first[b]; });
    for (int64_t k = 0; k < u; ++k) rank[by_first[k]] = k;
  }
  Shape y_shape = shape;
  y_shape[axis] = u;
  if (flattened) y_shape = {u};
  CI_ASSIGN_OR_RETURN(Tensor * y, ctx.allocate_output(0, x.type(), y_shape));
  std::vector<int64_t> idx(static_cast<size_t>(u)), cnt(static_cast<size_t>(u));
  for (int64_t g = 0; g < u; ++g) {
    const int64_t k = rank[g];
    idx[k] = first[g];
    cnt[k] = count[g];
    for (int64_t e = 0; e < len; ++e) y->data<T>()[((e / inner) * u + k) * inner + e % inner] = at(first[g], e);
  }
  auto put = [&](size_t i, const std::vector<int64_t>& vals) -> Status {
    if (ctx.num_outputs() <= i) return Status::ok();
    CI_ASSIGN_OR_RETURN(Tensor * t, ctx.allocate_output(i, ElemType::kInt64, {static_cast<int64_t>(vals.size())}));
    std::copy(vals.begin(), vals.end(), t->data<int64_t>());
    return Status::ok();
  };
  std::vector<int64_t> inverse(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) inverse[i] = rank[group_of[i]];
  CI_RETURN_IF_ERROR(put(1, idx));
  CI_RETURN_IF_ERROR(put(2, inverse));
  return put(3, cnt);
}

Result<std::unique_ptr<OpKernel>> make_unique(const OpBuildContext& b) {
  const bool has_axis = b.attrs().has("axis");
  const int64_t axis_attr = b.attrs().get_int("axis", 0);
  const bool sorted = b.attrs().get_int("sorted", 1) != 0;
  return make_kernel([=](OpRunContext& ctx) -> Status {
    CI_ASSIGN_OR_RETURN(const Tensor* x, required_input(ctx, 0, "X"));
    Shape shape = has_axis ? x->shape() : Shape{x->numel()};
    int64_t axis = 0;
    if (has_axis) {
      if (x->rank() == 0) return invalid_argument("Unique: input must have rank >= 1 with 'axis'");
      CI_ASSIGN_OR_RETURN(axis, normalize_axis(axis_attr, x->rank()));
    }
    switch (x->type()) {
      case ElemType::kFloat: return unique_typed<float>(ctx, *x, shape, axis, sorted, !has_axis);
      case ElemType::kDouble: return unique_typed<double>(ctx, *x, shape, axis, sorted, !has_axis);
      case ElemType::kInt32: return unique_typed<int32_t>(ctx, *x, shape, axis, sorted, !has_axis);
      case ElemType::kInt64: return unique_typed<int64_t>(ctx, *x, shape, axis, sorted, !has_axis);
      case ElemType::kInt8: return unique_typed<int8_t>(ctx, *x, shape, axis, sorted, !has_axis);
      case ElemType::kUint8: return unique_typed<uint8_t>(ctx, *x, shape, axis, sorted, !has_axis);
      case ElemType::kBool: return unique_typed<bool>(ctx, *x, shape, axis, sorted, !has_axis);
      default: return unsupported(std::string("Unique of ") + elem_type_name(x->type()) + " is not supported");
    }
  });
}

}  // namespace

void register_select_ops(OpRegistry& r) {
  r.add("", "Compress", make_compress);
  r.add("", "ReverseSequence", make_reverse_sequence);
  r.add("", "CenterCropPad", make_center_crop_pad);
  r.add("", "Unique", make_unique);
}

}  // namespace coreinfer::tensor_ops
