#include "control_test_util.h"

#include "graph/ops/register.h"

namespace coreinfer::controltest {

namespace {

// Float Add / Mul with an equal shape or a one-element second operand.
void add_binary(OpRegistry& r, const std::string& op, float (*fn)(float, float)) {
  r.add("", op, [fn](const OpBuildContext&) -> Result<std::unique_ptr<OpKernel>> {
    return std::unique_ptr<OpKernel>(new LambdaKernel([fn](OpRunContext& c) -> Status {
      const Tensor* a = c.input(0);
      const Tensor* b = c.input(1);
      if (a->type() != ElemType::kFloat || b->type() != ElemType::kFloat ||
          (b->numel() != 1 && b->shape() != a->shape()))
        return invalid_argument("test op: float operands of one shape (or a scalar second) expected");
      CI_ASSIGN_OR_RETURN(Tensor * y, c.allocate_output(0, ElemType::kFloat, a->shape()));
      for (int64_t i = 0; i < a->numel(); ++i)
        y->data<float>()[i] = fn(a->data<float>()[i], b->data<float>()[b->numel() == 1 ? 0 : i]);
      return Status::ok();
    }));
  });
}

}  // namespace

OpRegistry test_registry() {
  OpRegistry r;
  register_control_ops(r);
  add_binary(r, "Add", [](float a, float b) { return a + b; });
  add_binary(r, "Mul", [](float a, float b) { return a * b; });
  r.add("", "Identity", [](const OpBuildContext&) -> Result<std::unique_ptr<OpKernel>> {
    return std::unique_ptr<OpKernel>(new LambdaKernel([](OpRunContext& c) -> Status {
      c.outputs[0] = *c.input(0);
      return Status::ok();
    }));
  });
  // int64 scalars: a < b.
  r.add("", "Less", [](const OpBuildContext&) -> Result<std::unique_ptr<OpKernel>> {
    return std::unique_ptr<OpKernel>(new LambdaKernel([](OpRunContext& c) -> Status {
      CI_ASSIGN_OR_RETURN(Tensor * y, c.allocate_output(0, ElemType::kBool, {}));
      *y->data<bool>() = *c.input(0)->data<int64_t>() < *c.input(1)->data<int64_t>();
      return Status::ok();
    }));
  });
  r.add("", "Constant", [](const OpBuildContext& ctx) -> Result<std::unique_ptr<OpKernel>> {
    const Tensor value = ctx.attrs().find("value")->t;
    return std::unique_ptr<OpKernel>(new LambdaKernel([value](OpRunContext& c) -> Status {
      c.outputs[0] = value;
      return Status::ok();
    }));
  });
  return r;
}

Node node(const std::string& op, std::vector<std::string> inputs, std::vector<std::string> outputs) {
  Node n;
  n.op_type = op;
  n.name = op + "_" + (outputs.empty() ? std::string("x") : outputs[0]);
  n.inputs = std::move(inputs);
  n.outputs = std::move(outputs);
  return n;
}

ValueInfo vinfo(const std::string& name, ElemType type) {
  ValueInfo vi;
  vi.name = name;
  vi.type = type;
  return vi;
}

void set_graph(Node& n, const std::string& name, Graph g) {
  Attribute a;
  a.kind = Attribute::Kind::kGraph;
  a.g = std::make_shared<const Graph>(std::move(g));
  n.attrs.set(name, std::move(a));
}

Graph graph(std::vector<Node> nodes, std::vector<ValueInfo> inputs, std::vector<ValueInfo> outputs, int64_t opset) {
  Graph g;
  g.nodes = std::move(nodes);
  g.inputs = std::move(inputs);
  g.outputs = std::move(outputs);
  g.opsets[""] = opset;
  return g;
}

std::vector<float> floats(const Tensor& t) {
  if (t.type() != ElemType::kFloat) return {};
  return std::vector<float>(t.data<float>(), t.data<float>() + t.numel());
}

}  // namespace coreinfer::controltest
