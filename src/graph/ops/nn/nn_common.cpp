#include "graph/ops/nn/nn_common.h"

namespace coreinfer::nn {

Result<const Tensor*> optional_float_input(const OpRunContext& ctx, size_t i, const char* name) {
  const Tensor* t = ctx.input(i);
  if (t == nullptr) return static_cast<const Tensor*>(nullptr);
  if (t->type() != ElemType::kFloat)
    return unsupported(std::string("input ") + name + " must be float32, got " + elem_type_name(t->type()));
  return t;
}

Result<const Tensor*> float_input(const OpRunContext& ctx, size_t i, const char* name) {
  CI_ASSIGN_OR_RETURN(const Tensor* t, optional_float_input(ctx, i, name));
  if (t == nullptr) return invalid_argument(std::string("input ") + name + " is missing");
  return t;
}

}  // namespace coreinfer::nn
