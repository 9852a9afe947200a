#include "op_runner.h"

#include <gtest/gtest.h>

#include "core/thread_pool.h"
#include "graph/ops/register.h"
#include "kernels/kernel_table.h"

namespace coreinfer::test {

Result<std::vector<Tensor>> run_op(const OpCall& call) {
  OpRegistry registry;
  register_tensor_ops(registry);
  Node node;
  node.name = "n";
  node.op_type = call.op;
  node.attrs = call.attrs;
  std::vector<const Tensor*> consts, ins;
  for (size_t i = 0; i < call.inputs.size(); ++i) {
    const bool present = call.inputs[i].defined();
    node.inputs.push_back(present ? "in" + std::to_string(i) : "");
    ins.push_back(present ? &call.inputs[i] : nullptr);
    consts.push_back(present && call.inputs_constant ? &call.inputs[i] : nullptr);
  }
  for (size_t i = 0; i < call.outputs; ++i) node.outputs.push_back("out" + std::to_string(i));
  const OpFactory* factory = registry.find("", call.op);
  if (factory == nullptr) return not_found("op " + call.op + " is not registered");
  OpBuildContext bctx{node, call.opset, consts, kernels::active()};
  CI_ASSIGN_OR_RETURN(auto kernel, (*factory)(bctx));
  std::unique_ptr<ThreadPool> pool;
  if (call.threaded) pool = std::make_unique<ThreadPool>(ThreadPoolOptions{4, {}, false});
  std::vector<Tensor> outs(call.outputs);
  OpRunContext ctx{ins, outs, pool.get(), kernels::active()};
  CI_RETURN_IF_ERROR(kernel->run(ctx));
  return outs;
}

Tensor run_ok(const OpCall& call) {
  auto r = run_op(call);
  EXPECT_TRUE(r.is_ok()) << call.op << ": " << r.status().to_string();
  if (!r.is_ok() || r->empty()) return {};
  return (*r)[0];
}

Tensor iota_f32(Shape s) {
  Tensor t = Tensor::allocate(ElemType::kFloat, std::move(s)).value();
  for (int64_t i = 0; i < t.numel(); ++i) t.data<float>()[i] = static_cast<float>(i);
  return t;
}

Attribute int_attr(int64_t v) {
  Attribute a;
  a.kind = Attribute::Kind::kInt;
  a.i = v;
  return a;
}
Attribute ints_attr(std::vector<int64_t> v) {
  Attribute a;
  a.kind = Attribute::Kind::kInts;
  a.ints = std::move(v);
  return a;
}
Attribute float_attr(float v) {
  Attribute a;
  a.kind = Attribute::Kind::kFloat;
  a.f = v;
  return a;
}
Attribute floats_attr(std::vector<float> v) {
  Attribute a;
  a.kind = Attribute::Kind::kFloats;
  a.floats = std::move(v);
  return a;
}
Attribute string_attr(std::string v) {
  Attribute a;
  a.kind = Attribute::Kind::kString;
  a.s = std::move(v);
  return a;
}
Attribute tensor_attr(Tensor t) {
  Attribute a;
  a.kind = Attribute::Kind::kTensor;
  a.t = std::move(t);
  return a;
}

}  // namespace coreinfer::test
