// Data movement by element size (any element type): Transpose, Concat, Split, Expand, Tile,
// DepthToSpace, SpaceToDepth, Trilu.
#include <algorithm>
#include <cstring>

#include "graph/broadcast.h"
#include "graph/ops/tensor/tensor_common.h"
#include "graph/ops/tensor/tensor_groups.h"

namespace coreinfer::tensor_ops {
namespace {

Result<std::unique_ptr<OpKernel>> make_transpose(const OpBuildContext& b) {
  const bool has_perm = b.attrs().has("perm");
  const std::vector<int64_t> perm_attr = b.attrs().get_ints("perm");
  return make_kernel([=](OpRunContext& ctx) -> Status {
    CI_ASSIGN_OR_RETURN(const Tensor* x, required_input(ctx, 0, "data"));
    const int r = x->rank();
    std::vector<int64_t> perm = perm_attr;
    if (!has_perm) {
      perm.resize(r);
      for (int d = 0; d < r; ++d) perm[d] = r - 1 - d;
    }
    if (static_cast<int>(perm.size()) != r)
      return invalid_argument("perm " + join_ints(perm) + " has " + std::to_string(perm.size()) +
                              " entries but the input " + shape_string(x->shape()) + " has rank " + std::to_string(r));
    std::vector<bool> seen(r, false);
    for (int64_t& p : perm) {
      if (p < -r || p >= r || seen[p < 0 ? p + r : p])
        return invalid_argument("perm " + join_ints(perm_attr) + " is not a permutation of 0.." + std::to_string(r - 1));
      if (p < 0) p += r;
      seen[p] = true;
    }
    Shape out_shape(r);
    for (int d = 0; d < r; ++d) out_shape[d] = x->dim(static_cast<int>(perm[d]));
    CI_ASSIGN_OR_RETURN(Tensor * out, ctx.allocate_output_uninitialized(0, x->type(), out_shape));
    transpose_copy(&ctx, elem_size(x->type()), x->shape(), perm, x->raw(), out->raw());
    return Status::ok();
  });
}

Result<std::unique_ptr<OpKernel>> make_concat(const OpBuildContext& b) {
  if (!b.attrs().has("axis") && opset_of(b) >= 4) return invalid_argument("Concat needs the attribute 'axis'");
  const int64_t axis_attr = b.attrs().get_int("axis", 1);
  return make_kernel([axis_attr](OpRunContext& ctx) -> Status {
    std::vector<const Tensor*> ins;
    for (size_t i = 0; i < ctx.num_inputs(); ++i)
      if (ctx.input(i) != nullptr && ctx.input(i)->defined()) ins.push_back(ctx.input(i));
    if (ins.empty()) return invalid_argument("Concat needs at least one input");
    const Tensor& first = *ins[0];
    const int r = first.rank();
    if (r == 0) return invalid_argument("Concat: inputs must have rank >= 1 (input 0 is a scalar)");
    CI_ASSIGN_OR_RETURN(int64_t axis, normalize_axis(axis_attr, r));
    Shape out_shape = first.shape();
    out_shape[axis] = 0;
    for (size_t i = 0; i < ins.size(); ++i) {
      const Tensor& t = *ins[i];
      if (t.type() != first.type())
        return invalid_argument("Concat: input " + std::to_string(i) + " is " + elem_type_name(t.type()) +
                                " but input 0 is " + elem_type_name(first.type()));
      bool ok = t.rank() == r;
      for (int d = 0; ok && d < r; ++d) ok = d == axis || t.dim(d) == first.dim(d);
      if (!ok)
        return invalid_argument("Concat: input " + std::to_string(i) + " has shape " + shape_string(t.shape()) +
                                ", incompatible with input 0 " + shape_string(first.shape()) + " along axis " +
                                std::to_string(axis));
      out_shape[axis] += t.dim(static_cast<int>(axis));
    }
    CI_ASSIGN_OR_RETURN(Tensor * out, ctx.allocate_output_uninitialized(0, first.type(), out_shape));
    const int64_t es = static_cast<int64_t>(elem_size(first.type()));
    int64_t outer = 1, inner = 1;
    for (int d = 0; d < r; ++d) {
      if (d < axis) outer *= out_shape[d];
      if (d > axis) inner *= out_shape[d];
    }
    std::vector<ConstRowPart> parts;
    parts.reserve(ins.size());
    for (const Tensor* t : ins)
      parts.push_back({static_cast<const std::byte*>(t->raw()), t->dim(static_cast<int>(axis)) * inner * es});
    concat_rows(&ctx, outer, parts, static_cast<std::byte*>(out->raw()));
    return Status::ok();
  });
}

Result<std::unique_ptr<OpKernel>> make_split(const OpBuildContext& b) {
  const int64_t axis_attr = b.attrs().get_int("axis", 0);
  const bool split_from_input = opset_of(b) >= 13 && !b.attrs().has("split");
  const std::vector<int64_t> split_attr = b.attrs().get_ints("split");
  const int64_t num_outputs = b.attrs().get_int("num_outputs", 0);
  return make_kernel([=](OpRunContext& ctx) -> Status {
    CI_ASSIGN_OR_RETURN(const Tensor* x, required_input(ctx, 0, "input"));
    const int r = x->rank();
    if (r == 0) return invalid_argument("Split: the input must have rank >= 1");
    CI_ASSIGN_OR_RETURN(int64_t axis, normalize_axis(axis_attr, r));
    const int64_t dim = x->dim(static_cast<int>(axis));
    std::vector<int64_t> split = split_attr;
    if (split_from_input) {
      split.clear();
      if (const Tensor* s = ctx.input(1); s != nullptr && s->defined()) {
        CI_ASSIGN_OR_RETURN(split, index_values(*s, "split"));
      }
    }
    const int64_t n_out = static_cast<int64_t>(ctx.num_outputs());
    if (split.empty()) {
      const int64_t n = num_outputs > 0 ? num_outputs : n_out;
      if (n <= 0) return invalid_argument("Split needs at least one output");
      if (n != n_out)
        return invalid_argument("Split: num_outputs = " + std::to_string(n) + " but the node has " +
                                std::to_string(n_out) + " outputs");
      if (num_outputs > 0) {  // opset 18: equal chunks, the last one smaller
        const int64_t chunk = (dim + n - 1) / n;
        for (int64_t i = 0, left = dim; i < n; ++i, left -= chunk) split.push_back(std::clamp<int64_t>(left, 0, chunk));
      } else {
        if (dim % n != 0)
          return invalid_argument("Split: axis " + std::to_string(axis) + " of " + shape_string(x->shape()) +
                                  " cannot be split into " + std::to_string(n) + " equal parts");
        split.assign(n, dim / n);
      }
    }
    if (static_cast<int64_t>(split.size()) != n_out)
      return invalid_argument("Split: 'split' " + join_ints(split) + " has " + std::to_string(split.size()) +
                              " entries for " + std::to_string(n_out) + " outputs");
    int64_t sum = 0;
    for (int64_t s : split) {
      if (s < 0) return invalid_argument("Split: negative size in 'split' " + join_ints(split));
      sum += s;
    }
    if (sum != dim)
      return invalid_argument("Split: 'split' " + join_ints(split) + " sums to " + std::to_string(sum) + " but axis " +
                              std::to_string(axis) + " of " + shape_string(x->shape()) + " has " + std::to_string(dim));
    const int64_t es = static_cast<int64_t>(elem_size(x->type()));
    int64_t outer = 1, inner = 1;
    for (int d = 0; d < r; ++d) {
      if (d < axis) outer *= x->dim(d);
      if (d > axis) inner *= x->dim(d);
    }
    std::vector<RowPart> parts;
    parts.reserve(static_cast<size_t>(n_out));
    for (int64_t i = 0; i < n_out; ++i) {
      Shape s = x->shape();
      s[axis] = split[i];
      CI_ASSIGN_OR_RETURN(Tensor * out, ctx.allocate_output_uninitialized(i, x->type(), s));
      parts.push_back({static_cast<std::byte*>(out->raw()), split[i] * inner * es});
    }
    split_rows(&ctx, outer, static_cast<const std::byte*>(x->raw()), parts);
    return Status::ok();
  });
}

Result<std::unique_ptr<OpKernel>> make_expand(const OpBuildContext&) {
  return make_kernel([](OpRunContext& ctx) -> Status {
    CI_ASSIGN_OR_RETURN(const Tensor* x, required_input(ctx, 0, "input"));
    CI_ASSIGN_OR_RETURN(const Tensor* shape_t, required_input(ctx, 1, "shape"));
    if (shape_t->rank() != 1) return invalid_argument("Expand: 'shape' must be 1-D, got " + shape_string(shape_t->shape()));
    CI_ASSIGN_OR_RETURN(std::vector<int64_t> target, index_values(*shape_t, "shape"));
    for (int64_t d : target)
      if (d < 0) return invalid_argument("Expand: negative dimension in shape " + join_ints(target));
    std::vector<Shape> shapes = {x->shape(), target};
    CI_ASSIGN_OR_RETURN(Shape out_shape, broadcast_shapes(shapes));
    CI_ASSIGN_OR_RETURN(Tensor * out, ctx.allocate_output_uninitialized(0, x->type(), out_shape));
    strided_copy(&ctx, elem_size(x->type()), out_shape, x->raw(), broadcast_strides(x->shape(), out_shape), out->raw(),
                 contiguous_strides(out_shape));
    return Status::ok();
  });
}

Result<std::unique_ptr<OpKernel>> make_tile(const OpBuildContext&) {
  return make_kernel([](OpRunContext& ctx) -> Status {
    CI_ASSIGN_OR_RETURN(const Tensor* x, required_input(ctx, 0, "input"));
    CI_ASSIGN_OR_RETURN(const Tensor* rep_t, required_input(ctx, 1, "repeats"));
    CI_ASSIGN_OR_RETURN(std::vector<int64_t> reps, index_values(*rep_t, "repeats"));
    const int r = x->rank();
    if (static_cast<int>(reps.size()) != r)
      return invalid_argument("Tile: 'repeats' " + join_ints(reps) + " must have one entry per input dimension " +
                              shape_string(x->shape()));
    // Output viewed as [rep0, d0, rep1, d1, ...]: the repeat dims have source stride 0.
    Shape out_shape(r), virt_shape;
    std::vector<int64_t> src_strides;
    const std::vector<int64_t> in_strides = contiguous_strides(x->shape());
    for (int d = 0; d < r; ++d) {
      if (reps[d] < 0) return invalid_argument("Tile: negative repeat in " + join_ints(reps));
      out_shape[d] = x->dim(d) * reps[d];
      virt_shape.push_back(reps[d]);
      virt_shape.push_back(x->dim(d));
      src_strides.push_back(0);
      src_strides.push_back(in_strides[d]);
    }
    CI_ASSIGN_OR_RETURN(Tensor * out, ctx.allocate_output_uninitialized(0, x->type(), out_shape));
    if (r == 0) {
      std::memcpy(out->raw(), x->raw(), elem_size(x->type()));
      return Status::ok();
    }
    strided_copy(&ctx, elem_size(x->type()), virt_shape, x->raw(), src_strides, out->raw(),
                 contiguous_strides(virt_shape));
    return Status::ok();
  });
}

// DepthToSpace / SpaceToDepth: a reshape to 6-D, a transpose, a reshape back.
Result<std::unique_ptr<OpKernel>> make_depth_space(const OpBuildContext& b, bool to_space) {
  const int64_t bs = b.attrs().get_int("blocksize", 0);
  if (bs <= 0) return invalid_argument("attribute 'blocksize' must be positive");
  const bool crd = b.attrs().get_string("mode", "DCR") == "CRD";
  return make_kernel([=](OpRunContext& ctx) -> Status {
    CI_ASSIGN_OR_RETURN(const Tensor* x, required_input(ctx, 0, "input"));
    if (x->rank() != 4) return invalid_argument("input must be 4-D (NCHW), got " + shape_string(x->shape()));
    const int64_t n = x->dim(0), c = x->dim(1), h = x->dim(2), w = x->dim(3);
    Shape virt, out_shape;
    std::vector<int64_t> perm;
    if (to_space) {
      if (c % (bs * bs) != 0)
        return invalid_argument("channels (" + std::to_string(c) + ") must be a multiple of blocksize² (" +
                                std::to_string(bs * bs) + ")");
      const int64_t oc = c / (bs * bs);
      if (crd) {
        virt = {n, oc, bs, bs, h, w};
        perm = {0, 1, 4, 2, 5, 3};
      } else {
        virt = {n, bs, bs, oc, h, w};
        perm = {0, 3, 4, 1, 5, 2};
      }
      out_shape = {n, oc, h * bs, w * bs};
    } else {
      if (h % bs != 0 || w % bs != 0)
        return invalid_argument("height and width of " + shape_string(x->shape()) + " must be multiples of blocksize " +
                                std::to_string(bs));
      virt = {n, c, h / bs, bs, w / bs, bs};
      perm = {0, 3, 5, 1, 2, 4};
      out_shape = {n, c * bs * bs, h / bs, w / bs};
    }
    CI_ASSIGN_OR_RETURN(Tensor * out, ctx.allocate_output_uninitialized(0, x->type(), out_shape));
    transpose_copy(&ctx, elem_size(x->type()), virt, perm, x->raw(), out->raw());
    return Status::ok();
  });
}

Result<std::unique_ptr<OpKernel>> make_trilu(const OpBuildContext& b) {
  const bool upper = b.attrs().get_int("upper", 1) != 0;
  return make_kernel([upper](OpRunContext& ctx) -> Status {
    CI_ASSIGN_OR_RETURN(const Tensor* x, required_input(ctx, 0, "input"));
    if (x->rank() < 2) return invalid_argument("Trilu: input must have rank >= 2, got " + shape_string(x->shape()));
    int64_t k = 0;
    if (const Tensor* kt = ctx.input(1); kt != nullptr && kt->defined()) {
      CI_ASSIGN_OR_RETURN(std::vector<int64_t> kv, index_values(*kt, "k"));
      if (kv.size() != 1) return invalid_argument("Trilu: 'k' must be a scalar");
      k = kv[0];
    }
    CI_ASSIGN_OR_RETURN(Tensor * out, ctx.allocate_output(0, x->type(), x->shape()));
    const size_t es = elem_size(x->type());
    const int64_t rows = x->dim(-2), cols = x->dim(-1);
    const int64_t mats = rows * cols == 0 ? 0 : x->numel() / (rows * cols);
    const auto* src = static_cast<const std::byte*>(x->raw());
    auto* dst = static_cast<std::byte*>(out->raw());  // zero-filled
    for (int64_t m = 0; m < mats; ++m) {
      for (int64_t i = 0; i < rows; ++i) {
        // upper keeps j >= i + k; lower keeps j <= i + k.
        int64_t lo = upper ? std::clamp<int64_t>(i + k, 0, cols) : 0;
        int64_t hi = upper ? cols : std::clamp<int64_t>(i + k + 1, 0, cols);
        const int64_t off = (m * rows + i) * cols;
        if (hi > lo) std::memcpy(dst + (off + lo) * es, src + (off + lo) * es, static_cast<size_t>(hi - lo) * es);
      }
    }
    return Status::ok();
  });
}

}  // namespace

void register_layout_ops(OpRegistry& r) {
  r.add("", "Transpose", make_transpose);
  r.add("", "Concat", make_concat);
  r.add("", "Split", make_split);
  r.add("", "Expand", make_expand);
  r.add("", "Tile", make_tile);
  r.add("", "DepthToSpace", [](const OpBuildContext& b) { return make_depth_space(b, true); });
  r.add("", "SpaceToDepth", [](const OpBuildContext& b) { return make_depth_space(b, false); });
  r.add("", "Trilu", make_trilu);
}

}  // namespace coreinfer::tensor_ops
