#include <optional>

#include "graph/ops/detection/detection_ops.h"

namespace coreinfer::detection {

Result<const Tensor*> optional_typed_input(const OpRunContext& ctx, size_t i, const char* name, ElemType type) {
  const Tensor* t = ctx.input(i);
  if (t == nullptr) return static_cast<const Tensor*>(nullptr);
  if (t->type() != type)
    return unsupported(std::string("input ") + name + " must be " + elem_type_name(type) + ", got " +
                       elem_type_name(t->type()));
  return t;
}

Result<const Tensor*> typed_input(const OpRunContext& ctx, size_t i, const char* name, ElemType type) {
  CI_ASSIGN_OR_RETURN(const Tensor* t, optional_typed_input(ctx, i, name, type));
  if (t == nullptr) return invalid_argument(std::string("input ") + name + " is missing");
  return t;
}

Result<std::optional<double>> optional_scalar(const OpRunContext& ctx, size_t i, const char* name) {
  const Tensor* t = ctx.input(i);
  if (t == nullptr || t->numel() == 0) return std::optional<double>{};
  if (t->numel() != 1)
    return invalid_argument(std::string("input ") + name + " must be a scalar or hold one value, got shape " +
                            shape_string(t->shape()));
  auto values = t->to_double_vector();
  if (!values.is_ok())
    return unsupported(std::string("input ") + name + " has unsupported type " + elem_type_name(t->type()));
  return std::optional<double>{values.value()[0]};
}

}  // namespace coreinfer::detection
