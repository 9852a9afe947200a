// Subgraph attributes (If branches, Loop/Scan bodies): imported recursively with the model's
// opsets, outer-scope names left for Session to bind, and run end to end with every operator.
#include <gtest/gtest.h>

#include <onnx/onnx_pb.h>

#include "formats/onnx/onnx_model.h"
#include "graph/ops/register.h"
#include "graph/session.h"

namespace coreinfer {
namespace {

void add_tensor_value(onnx::ValueInfoProto* v, const std::string& name, int elem_type) {
  v->set_name(name);
  v->mutable_type()->mutable_tensor_type()->set_elem_type(elem_type);
}

// y = If(cond) then { x + x } else { x }, x read from the outer scope by both branches.
onnx::ModelProto if_model() {
  onnx::ModelProto m;
  m.set_ir_version(8);
  auto* op = m.add_opset_import();
  op->set_version(16);
  auto* g = m.mutable_graph();
  g->set_name("outer");
  add_tensor_value(g->add_input(), "cond", onnx::TensorProto::BOOL);
  add_tensor_value(g->add_input(), "x", onnx::TensorProto::FLOAT);
  add_tensor_value(g->add_output(), "y", onnx::TensorProto::FLOAT);
  auto* n = g->add_node();
  n->set_op_type("If");
  n->add_input("cond");
  n->add_output("y");
  auto* then_attr = n->add_attribute();
  then_attr->set_name("then_branch");
  then_attr->set_type(onnx::AttributeProto::GRAPH);
  auto* tg = then_attr->mutable_g();
  tg->set_name("then");
  auto* add = tg->add_node();
  add->set_op_type("Add");
  add->add_input("x");
  add->add_input("x");
  add->add_output("t");
  add_tensor_value(tg->add_output(), "t", onnx::TensorProto::FLOAT);
  auto* else_attr = n->add_attribute();
  else_attr->set_name("else_branch");
  else_attr->set_type(onnx::AttributeProto::GRAPH);
  auto* eg = else_attr->mutable_g();
  eg->set_name("else");
  auto* id = eg->add_node();
  id->set_op_type("Identity");
  id->add_input("x");
  id->add_output("e");
  add_tensor_value(eg->add_output(), "e", onnx::TensorProto::FLOAT);
  return m;
}

Result<Graph> parse(const onnx::ModelProto& m) {
  const std::string bytes = m.SerializeAsString();
  return parse_onnx_model(std::span(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()), ".");
}

TEST(OnnxSubgraph, IfBranchesAreImportedAndRun) {
  auto g = parse(if_model());
  ASSERT_TRUE(g.is_ok()) << g.status().to_string();
  ASSERT_EQ(g->nodes.size(), 1u);
  const Attribute* then_branch = g->nodes[0].attrs.find("then_branch");
  ASSERT_NE(then_branch, nullptr);
  ASSERT_EQ(then_branch->kind, Attribute::Kind::kGraph);
  ASSERT_NE(then_branch->g, nullptr);
  EXPECT_EQ(then_branch->g->nodes.size(), 1u);
  EXPECT_EQ(then_branch->g->opset(""), 16);  // the model's opsets
  EXPECT_TRUE(then_branch->g->inputs.empty());
  EXPECT_EQ(then_branch->g->outputs.at(0).name, "t");

  SessionOptions so;
  so.threads = 1;
  auto session = Session::create(std::move(g).value(), default_op_registry(), so);
  ASSERT_TRUE(session.is_ok()) << session.status().to_string();
  for (bool cond : {true, false}) {
    auto out = (*session)->run({{"cond", Tensor::from_vector<bool>({}, {cond})},
                                {"x", Tensor::from_vector<float>({3}, {1, 2, 3})}});
    ASSERT_TRUE(out.is_ok()) << out.status().to_string();
    const float* y = (*out)[0].data<float>();
    EXPECT_EQ(y[2], cond ? 6.0f : 3.0f);
  }
}

TEST(OnnxSubgraph, SequenceValuesInSubgraphAreUnsupported) {
  onnx::ModelProto m = if_model();
  auto* tg = m.mutable_graph()->mutable_node(0)->mutable_attribute(0)->mutable_g();
  tg->mutable_output(0)->mutable_type()->mutable_sequence_type();  // the output becomes a sequence
  auto g = parse(m);
  ASSERT_FALSE(g.is_ok());
  EXPECT_EQ(g.status().code(), StatusCode::kUnsupported);
  EXPECT_NE(g.status().message().find("subgraph 'then_branch'"), std::string::npos) << g.status().message();
}

TEST(OnnxSubgraph, GraphListAttributesAreUnsupported) {
  onnx::ModelProto m = if_model();
  auto* a = m.mutable_graph()->mutable_node(0)->add_attribute();
  a->set_name("branches");
  a->set_type(onnx::AttributeProto::GRAPHS);
  a->add_graphs();
  auto g = parse(m);
  ASSERT_FALSE(g.is_ok());
  EXPECT_EQ(g.status().code(), StatusCode::kUnsupported);
}

TEST(OnnxSubgraph, UnknownOperatorInsideABodyIsReported) {
  onnx::ModelProto m = if_model();
  m.mutable_graph()->mutable_node(0)->mutable_attribute(1)->mutable_g()->mutable_node(0)->set_op_type("NoSuchOp");
  auto g = parse(m);
  ASSERT_TRUE(g.is_ok()) << g.status().to_string();
  const auto missing = unsupported_ops(*g, default_op_registry());
  ASSERT_EQ(missing.size(), 1u);
  EXPECT_EQ(missing[0].rfind("NoSuchOp", 0), 0u) << missing[0];
}

}  // namespace
}  // namespace coreinfer
