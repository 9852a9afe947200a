#include "op_runner.h"

#include <gtest/gtest.h>

#include "graph/ops/register.h"
#include "graph_support/single_op.h"
#include "kernels/kernel_table.h"

namespace coreinfer::test {

Result<std::vector<Tensor>> run_op(const OpCall& call) {
  OpRegistry registry;
  register_tensor_ops(registry);
  return testing::run_single_op(registry, {.op = call.op, .attrs = &call.attrs, .inputs = &call.inputs,
                                           .constant = std::vector<bool>(call.inputs.size(), call.inputs_constant),
                                           .outputs = testing::output_names(call.outputs), .opset = call.opset,
                                           .threads = call.threaded ? 4 : 0});
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
