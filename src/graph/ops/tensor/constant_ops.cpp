// Ops that make new values from shapes or attributes: Shape, Size, Constant, ConstantOfShape,
// Range, EyeLike.
#include <algorithm>
#include <cmath>
#include <cstring>

#include "graph/ops/tensor/tensor_common.h"
#include "graph/ops/tensor/tensor_groups.h"

namespace coreinfer::tensor_ops {
namespace {

Result<std::unique_ptr<OpKernel>> make_shape(const OpBuildContext& b) {
  const bool has_end = b.attrs().has("end");
  const int64_t start_attr = b.attrs().get_int("start", 0), end_attr = b.attrs().get_int("end", 0);
  return make_kernel([=](OpRunContext& ctx) -> Status {
    CI_ASSIGN_OR_RETURN(const Tensor* x, required_input(ctx, 0, "data"));
    const int64_t r = x->rank();
    auto clampd = [r](int64_t v) { return std::clamp<int64_t>(v < 0 ? v + r : v, 0, r); };
    const int64_t start = clampd(start_attr), end = has_end ? clampd(end_attr) : r;
    const int64_t n = std::max<int64_t>(0, end - start);
    CI_ASSIGN_OR_RETURN(Tensor * out, ctx.allocate_output(0, ElemType::kInt64, {n}));
    for (int64_t i = 0; i < n; ++i) out->data<int64_t>()[i] = x->dim(static_cast<int>(start + i));
    return Status::ok();
  });
}

Result<std::unique_ptr<OpKernel>> make_size(const OpBuildContext&) {
  return make_kernel([](OpRunContext& ctx) -> Status {
    CI_ASSIGN_OR_RETURN(const Tensor* x, required_input(ctx, 0, "data"));
    CI_ASSIGN_OR_RETURN(Tensor * out, ctx.allocate_output(0, ElemType::kInt64, {}));
    out->data<int64_t>()[0] = x->numel();
    return Status::ok();
  });
}

Result<Tensor> constant_value(const Attributes& a) {
  if (const Attribute* v = a.find("value")) {
    if (!v->t.defined()) return invalid_argument("Constant: attribute 'value' holds no tensor");
    return v->t;
  }
  if (const Attribute* v = a.find("value_float")) return Tensor::from_vector<float>({}, {v->f});
  if (const Attribute* v = a.find("value_floats"))
    return Tensor::from_vector<float>({static_cast<int64_t>(v->floats.size())}, v->floats);
  if (const Attribute* v = a.find("value_int")) return Tensor::from_vector<int64_t>({}, {v->i});
  if (const Attribute* v = a.find("value_ints"))
    return Tensor::from_vector<int64_t>({static_cast<int64_t>(v->ints.size())}, v->ints);
  if (a.has("sparse_value")) return unsupported("Constant: sparse tensors ('sparse_value') are not supported");
  if (a.has("value_string") || a.has("value_strings")) return unsupported("Constant: string tensors are not supported");
  return invalid_argument("Constant needs one of the attributes value, value_float(s), value_int(s)");
}

Result<std::unique_ptr<OpKernel>> make_constant(const OpBuildContext& b) {
  CI_ASSIGN_OR_RETURN(Tensor value, constant_value(b.attrs()));
  return make_kernel([value](OpRunContext& ctx) -> Status {
    ctx.outputs[0] = value;  // shared: the executor never writes a value in place
    return Status::ok();
  });
}

Result<std::unique_ptr<OpKernel>> make_constant_of_shape(const OpBuildContext& b) {
  Tensor value = Tensor::from_vector<float>({1}, {0.0f});
  if (const Attribute* v = b.attrs().find("value")) {
    if (!v->t.defined() || v->t.numel() != 1)
      return invalid_argument("ConstantOfShape: attribute 'value' must be a one-element tensor");
    value = v->t;
  }
  return make_kernel([value](OpRunContext& ctx) -> Status {
    CI_ASSIGN_OR_RETURN(const Tensor* shape, required_input(ctx, 0, "input"));
    if (shape->rank() > 1) return invalid_argument("'input' (the shape) must be 1-D, got " + shape_string(shape->shape()));
    CI_ASSIGN_OR_RETURN(std::vector<int64_t> dims, index_values(*shape, "input"));
    for (int64_t d : dims)
      if (d < 0) return invalid_argument("ConstantOfShape: negative dimension in shape " + join_ints(dims));
    CI_ASSIGN_OR_RETURN(Tensor * out, ctx.allocate_output(0, value.type(), dims));
    fill_pattern(out->raw(), out->numel(), elem_size(value.type()), value.raw());
    return Status::ok();
  });
}

template <typename T>
Status range_typed(OpRunContext& ctx, const Tensor& s, const Tensor& l, const Tensor& d) {
  const T start = s.data<T>()[0], limit = l.data<T>()[0], delta = d.data<T>()[0];
  if (delta == T(0)) return invalid_argument("Range: 'delta' must not be 0");
  const double count = std::ceil((static_cast<double>(limit) - static_cast<double>(start)) / static_cast<double>(delta));
  if (!(count < 1e12)) return invalid_argument("Range: too many elements");
  const int64_t n = std::max<int64_t>(0, static_cast<int64_t>(count));
  CI_ASSIGN_OR_RETURN(Tensor * out, ctx.allocate_output(0, s.type(), {n}));
  T* o = out->data<T>();
  for (int64_t i = 0; i < n; ++i) o[i] = static_cast<T>(start + static_cast<T>(i) * delta);
  return Status::ok();
}

Result<std::unique_ptr<OpKernel>> make_range(const OpBuildContext&) {
  return make_kernel([](OpRunContext& ctx) -> Status {
    CI_ASSIGN_OR_RETURN(const Tensor* s, required_input(ctx, 0, "start"));
    CI_ASSIGN_OR_RETURN(const Tensor* l, required_input(ctx, 1, "limit"));
    CI_ASSIGN_OR_RETURN(const Tensor* d, required_input(ctx, 2, "delta"));
    if (s->numel() != 1 || l->numel() != 1 || d->numel() != 1)
      return invalid_argument("Range: start, limit and delta must be scalars");
    if (s->type() != l->type() || s->type() != d->type())
      return invalid_argument("Range: start, limit and delta must have the same type");
    switch (s->type()) {
      case ElemType::kFloat: return range_typed<float>(ctx, *s, *l, *d);
      case ElemType::kDouble: return range_typed<double>(ctx, *s, *l, *d);
      case ElemType::kInt16: return range_typed<int16_t>(ctx, *s, *l, *d);
      case ElemType::kInt32: return range_typed<int32_t>(ctx, *s, *l, *d);
      case ElemType::kInt64: return range_typed<int64_t>(ctx, *s, *l, *d);
      default: return unsupported(std::string("Range of ") + elem_type_name(s->type()) + " is not supported");
    }
  });
}

Result<std::unique_ptr<OpKernel>> make_eye_like(const OpBuildContext& b) {
  const int64_t k = b.attrs().get_int("k", 0);
  const int64_t dtype = b.attrs().get_int("dtype", 0);
  if (dtype != 0 && !elem_type_known(static_cast<int32_t>(dtype)))
    return invalid_argument("EyeLike: unsupported dtype " + std::to_string(dtype));
  return make_kernel([=](OpRunContext& ctx) -> Status {
    CI_ASSIGN_OR_RETURN(const Tensor* x, required_input(ctx, 0, "input"));
    if (x->rank() != 2) return invalid_argument("EyeLike: input must be 2-D, got " + shape_string(x->shape()));
    const ElemType type = dtype != 0 ? static_cast<ElemType>(dtype) : x->type();
    CI_ASSIGN_OR_RETURN(std::vector<std::byte> one, scalar_bytes(type, 1.0));
    CI_ASSIGN_OR_RETURN(Tensor * out, ctx.allocate_output(0, type, x->shape()));
    const int64_t rows = x->dim(0), cols = x->dim(1);
    const size_t es = elem_size(type);
    auto* o = static_cast<std::byte*>(out->raw());
    for (int64_t i = 0; i < rows; ++i) {
      const int64_t j = i + k;
      if (j >= 0 && j < cols) std::memcpy(o + (i * cols + j) * es, one.data(), es);
    }
    return Status::ok();
  });
}

}  // namespace

void register_constant_ops(OpRegistry& r) {
  r.add("", "Shape", make_shape);
  r.add("", "Size", make_size);
  r.add("", "Constant", make_constant);
  r.add("", "ConstantOfShape", make_constant_of_shape);
  r.add("", "Range", make_range);
  r.add("", "EyeLike", make_eye_like);
}

}  // namespace coreinfer::tensor_ops
