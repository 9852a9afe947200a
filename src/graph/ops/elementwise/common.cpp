#include "graph/ops/elementwise/common.h"

#include <vector>

namespace coreinfer::elementwise {

Result<const Tensor*> required_input(const OpRunContext& ctx, size_t i, const char* name) {
  const Tensor* t = ctx.input(i);
  if (t == nullptr || !t->defined())
    return invalid_argument(std::string("input ") + name + " (input " + std::to_string(i) + ") is missing");
  return t;
}

Status check_same_type(const Tensor& a, const char* a_name, const Tensor& b, const char* b_name) {
  if (a.type() == b.type()) return Status::ok();
  return invalid_argument(std::string("input ") + b_name + " has type " + elem_type_name(b.type()) + " but input " +
                          a_name + " has type " + elem_type_name(a.type()) + "; they must have the same type");
}

bool is_half_type(ElemType t) { return t == ElemType::kFloat16 || t == ElemType::kBFloat16; }

Status run_widening_half(OpRunContext& ctx, const std::function<Status(OpRunContext&)>& impl) {
  ElemType half = ElemType::kUndefined;
  for (size_t i = 0; i < ctx.num_inputs(); ++i) {
    const Tensor* t = ctx.input(i);
    if (t != nullptr && t->defined() && is_half_type(t->type())) {
      if (half == ElemType::kUndefined) half = t->type();
    }
  }
  if (half == ElemType::kUndefined) return impl(ctx);

  std::vector<Tensor> wide(ctx.num_inputs());
  std::vector<const Tensor*> inputs(ctx.num_inputs(), nullptr);
  for (size_t i = 0; i < ctx.num_inputs(); ++i) {
    const Tensor* t = ctx.input(i);
    if (t != nullptr && t->defined() && is_half_type(t->type())) {
      if (t->type() != half)
        return invalid_argument(std::string("input ") + std::to_string(i) + " has type " + elem_type_name(t->type()) +
                                " but another input has type " + elem_type_name(half));
      CI_ASSIGN_OR_RETURN(wide[i], convert_tensor(*t, ElemType::kFloat));
      inputs[i] = &wide[i];
    } else {
      inputs[i] = t;
    }
  }
  std::vector<Tensor> outputs(ctx.num_outputs());
  OpRunContext sub{inputs, outputs, ctx.pool, ctx.kernels};
  CI_RETURN_IF_ERROR(impl(sub));
  for (size_t i = 0; i < outputs.size(); ++i) {
    if (outputs[i].defined() && outputs[i].type() == ElemType::kFloat) {
      CI_ASSIGN_OR_RETURN(ctx.outputs[i], convert_tensor(outputs[i], half));
    } else {
      ctx.outputs[i] = std::move(outputs[i]);
    }
  }
  return Status::ok();
}

std::unique_ptr<OpKernel> make_kernel(std::function<Status(OpRunContext&)> fn, bool widen_half) {
  if (!widen_half) return std::make_unique<LambdaKernel>(std::move(fn));
  return std::make_unique<LambdaKernel>(
      [fn = std::move(fn)](OpRunContext& ctx) { return run_widening_half(ctx, fn); });
}

}  // namespace coreinfer::elementwise
