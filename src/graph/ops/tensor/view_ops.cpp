// Ops whose output is the input's bytes under another shape: returned as views (no copy).
#include <algorithm>

#include "graph/ops/tensor/tensor_common.h"
#include "graph/ops/tensor/tensor_groups.h"

namespace coreinfer::tensor_ops {
namespace {

Result<Shape> reshape_target(const Shape& in, const std::vector<int64_t>& spec, bool allow_zero) {
  Shape out(spec.size());
  int infer = -1;
  int64_t known = 1;
  for (size_t d = 0; d < spec.size(); ++d) {
    int64_t v = spec[d];
    if (v == -1) {
      if (infer >= 0) return invalid_argument("shape " + join_ints(spec) + " has more than one -1");
      infer = static_cast<int>(d);
      continue;
    }
    if (v == 0 && !allow_zero) {
      if (d >= in.size())
        return invalid_argument("shape " + join_ints(spec) + " copies dimension " + std::to_string(d) +
                                " (0) but the input " + shape_string(in) + " has only " + std::to_string(in.size()));
      v = in[d];
    }
    if (v < 0) return invalid_argument("shape " + join_ints(spec) + " has the invalid dimension " + std::to_string(v));
    out[d] = v;
    if (v != 0 && known > (int64_t{1} << 62) / v) return invalid_argument("shape " + join_ints(spec) + " is too large");
    known *= v;
  }
  const int64_t n = shape_numel(in);
  if (infer >= 0) {
    if (allow_zero && known == 0 && infer >= 0)
      return invalid_argument("shape " + join_ints(spec) + " has both 0 and -1 (allowzero=1)");
    if (known == 0 || n % known != 0)
      return invalid_argument("cannot reshape " + shape_string(in) + " (" + std::to_string(n) + " elements) to " +
                              join_ints(spec) + ": the -1 dimension cannot be inferred");
    out[infer] = n / known;
  } else if (known != n) {
    return invalid_argument("cannot reshape " + shape_string(in) + " (" + std::to_string(n) + " elements) to " +
                            join_ints(spec) + " (" + std::to_string(known) + " elements)");
  }
  return out;
}

Result<std::unique_ptr<OpKernel>> make_reshape(const OpBuildContext& b) {
  const bool allow_zero = b.attrs().get_int("allowzero", 0) != 0;
  if (b.attrs().has("shape") && !b.has_input(1)) {  // opset 1-4 form
    std::vector<int64_t> spec = b.attrs().get_ints("shape");
    return make_kernel([spec, allow_zero](OpRunContext& ctx) -> Status {
      CI_ASSIGN_OR_RETURN(const Tensor* x, required_input(ctx, 0, "data"));
      CI_ASSIGN_OR_RETURN(Shape s, reshape_target(x->shape(), spec, allow_zero));
      CI_ASSIGN_OR_RETURN(ctx.outputs[0], x->reshaped(std::move(s)));
      return Status::ok();
    });
  }
  return make_kernel([allow_zero](OpRunContext& ctx) -> Status {
    CI_ASSIGN_OR_RETURN(const Tensor* x, required_input(ctx, 0, "data"));
    CI_ASSIGN_OR_RETURN(const Tensor* shape, required_input(ctx, 1, "shape"));
    if (shape->rank() != 1) return invalid_argument("'shape' must be 1-D, got " + shape_string(shape->shape()));
    CI_ASSIGN_OR_RETURN(std::vector<int64_t> spec, index_values(*shape, "shape"));
    CI_ASSIGN_OR_RETURN(Shape s, reshape_target(x->shape(), spec, allow_zero));
    CI_ASSIGN_OR_RETURN(ctx.outputs[0], x->reshaped(std::move(s)));
    return Status::ok();
  });
}

Result<std::unique_ptr<OpKernel>> make_flatten(const OpBuildContext& b) {
  const int64_t axis_attr = b.attrs().get_int("axis", 1);
  return make_kernel([axis_attr](OpRunContext& ctx) -> Status {
    CI_ASSIGN_OR_RETURN(const Tensor* x, required_input(ctx, 0, "input"));
    const int64_t r = x->rank();
    if (axis_attr < -r || axis_attr > r)
      return invalid_argument("axis " + std::to_string(axis_attr) + " is out of range [" + std::to_string(-r) + ", " +
                              std::to_string(r) + "] for a rank-" + std::to_string(r) + " tensor");
    const int64_t axis = axis_attr < 0 ? axis_attr + r : axis_attr;
    int64_t outer = 1, inner = 1;
    for (int64_t d = 0; d < r; ++d) (d < axis ? outer : inner) *= x->dim(static_cast<int>(d));
    CI_ASSIGN_OR_RETURN(ctx.outputs[0], x->reshaped({outer, inner}));
    return Status::ok();
  });
}

// Axes from the attribute (opset < 13) or input 1 (opset >= 13); `has` false when none given.
struct AxesSource {
  bool from_input = false;
  bool has_attr = false;
  std::vector<int64_t> attr;

  Result<std::vector<int64_t>> get(const OpRunContext& ctx, bool* has) const {
    if (!from_input) {
      *has = has_attr;
      return attr;
    }
    const Tensor* a = ctx.input(1);
    *has = a != nullptr && a->defined();
    if (!*has) return std::vector<int64_t>{};
    return index_values(*a, "axes");
  }
};

AxesSource axes_source(const OpBuildContext& b, int64_t input_from_opset) {
  AxesSource s;
  s.from_input = opset_of(b) >= input_from_opset && !b.attrs().has("axes");
  s.has_attr = b.attrs().has("axes");
  s.attr = b.attrs().get_ints("axes");
  return s;
}

Result<std::unique_ptr<OpKernel>> make_squeeze(const OpBuildContext& b) {
  AxesSource src = axes_source(b, 13);
  return make_kernel([src](OpRunContext& ctx) -> Status {
    CI_ASSIGN_OR_RETURN(const Tensor* x, required_input(ctx, 0, "data"));
    bool has = false;
    CI_ASSIGN_OR_RETURN(std::vector<int64_t> axes, src.get(ctx, &has));
    CI_ASSIGN_OR_RETURN(axes, normalize_axes(axes, x->rank()));
    std::vector<bool> drop(x->rank(), false);
    if (!has) {
      for (int d = 0; d < x->rank(); ++d) drop[d] = x->dim(d) == 1;
    } else {
      for (int64_t a : axes) {
        if (x->dim(static_cast<int>(a)) != 1)
          return invalid_argument("cannot squeeze axis " + std::to_string(a) + " of shape " +
                                  shape_string(x->shape()) + ": its size is not 1");
        drop[a] = true;
      }
    }
    Shape out;
    for (int d = 0; d < x->rank(); ++d)
      if (!drop[d]) out.push_back(x->dim(d));
    CI_ASSIGN_OR_RETURN(ctx.outputs[0], x->reshaped(std::move(out)));
    return Status::ok();
  });
}

Result<std::unique_ptr<OpKernel>> make_unsqueeze(const OpBuildContext& b) {
  AxesSource src = axes_source(b, 13);
  return make_kernel([src](OpRunContext& ctx) -> Status {
    CI_ASSIGN_OR_RETURN(const Tensor* x, required_input(ctx, 0, "data"));
    bool has = false;
    CI_ASSIGN_OR_RETURN(std::vector<int64_t> axes, src.get(ctx, &has));
    if (!has) return invalid_argument("Unsqueeze needs 'axes'");
    const int64_t out_rank = x->rank() + static_cast<int64_t>(axes.size());
    CI_ASSIGN_OR_RETURN(axes, normalize_axes(axes, out_rank));
    std::vector<bool> inserted(out_rank, false);
    for (int64_t a : axes) inserted[a] = true;
    Shape out;
    int k = 0;
    for (int64_t d = 0; d < out_rank; ++d) out.push_back(inserted[d] ? 1 : x->dim(k++));
    CI_ASSIGN_OR_RETURN(ctx.outputs[0], x->reshaped(std::move(out)));
    return Status::ok();
  });
}

Result<std::unique_ptr<OpKernel>> make_identity(const OpBuildContext&) {
  return make_kernel([](OpRunContext& ctx) -> Status {
    CI_ASSIGN_OR_RETURN(const Tensor* x, required_input(ctx, 0, "input"));
    ctx.outputs[0] = *x;
    return Status::ok();
  });
}

// Inference: the output is the input; the optional mask is all true. Training mode with a
// non-zero ratio would need random numbers and is refused.
// Before opset 10 the mask has the input's type (ones), from 10 it is bool.
Result<std::unique_ptr<OpKernel>> make_dropout(const OpBuildContext& b) {
  const bool bool_mask = opset_of(b) >= 10;
  return make_kernel([bool_mask](OpRunContext& ctx) -> Status {
    CI_ASSIGN_OR_RETURN(const Tensor* x, required_input(ctx, 0, "data"));
    const Tensor* training = ctx.input(2);
    if (training != nullptr && training->defined() && training->numel() == 1 &&
        training->type() == ElemType::kBool && training->data<bool>()[0]) {
      double ratio = 0.5;
      if (const Tensor* r = ctx.input(1); r != nullptr && r->defined() && r->numel() == 1) {
        CI_ASSIGN_OR_RETURN(auto v, r->to_double_vector());
        ratio = v[0];
      }
      if (!(ratio >= 0 && ratio < 1))
        return invalid_argument("Dropout ratio must be in [0, 1), got " + std::to_string(ratio));
      // ratio 0 keeps every element (the identity, an all-true mask); any other ratio drops a
      // random subset, which a deterministic inference engine does not produce.
      if (ratio != 0)
        return unsupported("Dropout in training mode (training_mode = true) with ratio " + std::to_string(ratio) +
                           " is not supported: its outputs are random (only ratio 0 is deterministic)");
    }
    ctx.outputs[0] = *x;
    if (ctx.num_outputs() > 1) {
      const ElemType type = bool_mask ? ElemType::kBool : x->type();
      CI_ASSIGN_OR_RETURN(std::vector<std::byte> one, scalar_bytes(type, 1.0));
      CI_ASSIGN_OR_RETURN(Tensor * mask, ctx.allocate_output(1, type, x->shape()));
      fill_pattern(mask->raw(), mask->numel(), elem_size(type), one.data());
    }
    return Status::ok();
  });
}

}  // namespace

void register_view_ops(OpRegistry& r) {
  r.add("", "Reshape", make_reshape);
  r.add("", "Flatten", make_flatten);
  r.add("", "Squeeze", make_squeeze);
  r.add("", "Unsqueeze", make_unsqueeze);
  r.add("", "Identity", make_identity);
  r.add("", "Dropout", make_dropout);
}

}  // namespace coreinfer::tensor_ops
