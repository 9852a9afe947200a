// If: runs then_branch or else_branch, both built once; the branches may give different shapes.
#include "graph/ops/control/control_ops.h"
#include "graph/ops/control/subgraph.h"

namespace coreinfer {

namespace {

class IfKernel final : public OpKernel {
 public:
  IfKernel(std::unique_ptr<Subgraph> then_branch, std::unique_ptr<Subgraph> else_branch)
      : then_(std::move(then_branch)), else_(std::move(else_branch)) {}

  Status run(OpRunContext& ctx) override {
    CI_ASSIGN_OR_RETURN(bool cond, read_bool_scalar(ctx.input(0), "input 'cond'"));
    const Subgraph& branch = cond ? *then_ : *else_;
    CI_ASSIGN_OR_RETURN(std::vector<Tensor> outs, branch.run(ctx, {}));
    for (size_t i = 0; i < ctx.num_outputs() && i < outs.size(); ++i) ctx.outputs[i] = std::move(outs[i]);
    return Status::ok();
  }

 private:
  std::unique_ptr<Subgraph> then_, else_;
};

Result<std::unique_ptr<Subgraph>> build_branch(const OpBuildContext& ctx, const std::string& attr) {
  CI_ASSIGN_OR_RETURN(auto branch, Subgraph::build(ctx, attr));
  if (!branch->inputs().empty())
    return invalid_argument(attr + " must take no inputs, it declares " + std::to_string(branch->inputs().size()));
  if (branch->outputs().size() != ctx.node.outputs.size())
    return invalid_argument(attr + " has " + std::to_string(branch->outputs().size()) + " outputs, the node " +
                            std::to_string(ctx.node.outputs.size()) + " (they must match)");
  return branch;
}

}  // namespace

Result<std::unique_ptr<OpKernel>> make_if(const OpBuildContext& ctx) {
  if (ctx.node.declared_inputs() != 1 || !ctx.has_input(0))
    return invalid_argument("If takes exactly one input (cond), got " + std::to_string(ctx.node.declared_inputs()));
  CI_ASSIGN_OR_RETURN(auto then_branch, build_branch(ctx, "then_branch"));
  CI_ASSIGN_OR_RETURN(auto else_branch, build_branch(ctx, "else_branch"));
  return std::unique_ptr<OpKernel>(new IfKernel(std::move(then_branch), std::move(else_branch)));
}

Result<bool> read_bool_scalar(const Tensor* t, const std::string& what) {
  if (t == nullptr) return invalid_argument(what + " is missing");
  if (t->type() != ElemType::kBool || t->numel() != 1)
    return invalid_argument(what + " must be a bool tensor of one element, got " + elem_type_name(t->type()) + " " +
                            shape_string(t->shape()));
  return *t->data<bool>();
}

}  // namespace coreinfer
