#include "graph/session.h"

#include <gtest/gtest.h>

#include "graph/graph_builders.h"
#include "graph/ops/register.h"
#include "graph/passes.h"

namespace coreinfer {
namespace {

using testing::make_node;
using testing::value;

// y = Relu(x + w) with w = c1 * c2 folded at load, plus a dead branch.
Graph small_graph() {
  Graph g;
  g.opsets[""] = 17;
  g.inputs.push_back(value("x", ElemType::kFloat, {-1, 3}));
  g.outputs.push_back(value("y", ElemType::kFloat, {-1, 3}));
  g.initializers["c1"] = Tensor::from_vector<float>({3}, {1, -2, 3});
  g.initializers["c2"] = Tensor::from_vector<float>({3}, {2, 2, 2});
  g.nodes.push_back(make_node("Relu", {"s"}, {"y"}));  // out of order on purpose
  g.nodes.push_back(make_node("Add", {"x", "w"}, {"s"}));
  g.nodes.push_back(make_node("Mul", {"c1", "c2"}, {"w"}));
  g.nodes.push_back(make_node("Neg", {"x"}, {"unused"}));
  return g;
}

TEST(Session, RunsSortsFoldsAndDropsDeadNodes) {
  const OpRegistry reg = default_op_registry();
  auto s = Session::create(small_graph(), reg);
  ASSERT_TRUE(s.is_ok()) << s.status().to_string();
  ASSERT_EQ((*s)->graph().nodes.size(), 2u);  // Mul folded, Neg dropped
  EXPECT_EQ((*s)->graph().nodes[0].op_type, "Add");
  Tensor x = Tensor::from_vector<float>({2, 3}, {0, 0, 0, -10, 10, -7});
  auto out = (*s)->run({{"x", x}});
  ASSERT_TRUE(out.is_ok()) << out.status().to_string();
  const float expected[6] = {2, 0, 6, 0, 6, 0};
  ASSERT_EQ((*out)[0].shape(), (Shape{2, 3}));
  for (int i = 0; i < 6; ++i) EXPECT_EQ((*out)[0].data<float>()[i], expected[i]) << i;

  auto unopt = Session::create(small_graph(), reg, SessionOptions{.optimize = false});
  ASSERT_TRUE(unopt.is_ok()) << unopt.status().to_string();
  EXPECT_EQ((*unopt)->graph().nodes.size(), 3u);
  auto out2 = (*unopt)->run({{"x", x}});
  ASSERT_TRUE(out2.is_ok());
  for (int i = 0; i < 6; ++i) EXPECT_EQ((*out2)[0].data<float>()[i], expected[i]);
}

TEST(Session, ReusesBuffersAcrossRuns) {
  const OpRegistry reg = default_op_registry();
  auto s = Session::create(small_graph(), reg);
  ASSERT_TRUE(s.is_ok());
  auto x = Tensor::allocate(ElemType::kFloat, {512, 3});
  ASSERT_TRUE((*s)->run({{"x", *x}}).is_ok());
  const size_t after_first = (*s)->buffer_allocations();
  for (int i = 0; i < 5; ++i) ASSERT_TRUE((*s)->run({{"x", *x}}).is_ok());
  EXPECT_EQ((*s)->buffer_allocations(), after_first);
  EXPECT_GT(after_first, 0u);
}

TEST(Session, BadFeedsAreClearErrors) {
  const OpRegistry reg = default_op_registry();
  auto s = Session::create(small_graph(), reg);
  ASSERT_TRUE(s.is_ok());
  auto missing = (*s)->run({});
  ASSERT_FALSE(missing.is_ok());
  EXPECT_NE(missing.status().message().find("'x' was not given"), std::string::npos);
  auto wrong_type = (*s)->run({{"x", Tensor::from_vector<int64_t>({1, 3}, {1, 2, 3})}});
  ASSERT_FALSE(wrong_type.is_ok());
  EXPECT_NE(wrong_type.status().message().find("must be float32, got int64"), std::string::npos);
  auto wrong_shape = (*s)->run({{"x", Tensor::from_vector<float>({1, 4}, {1, 2, 3, 4})}});
  ASSERT_FALSE(wrong_shape.is_ok());
  EXPECT_NE(wrong_shape.status().message().find("shape [-1,3]"), std::string::npos) << wrong_shape.status().message();
  auto unknown = (*s)->run({{"x", Tensor::from_vector<float>({1, 3}, {1, 2, 3})}, {"z", Tensor::scalar_f32(1)}});
  EXPECT_FALSE(unknown.is_ok());
}

TEST(Session, BadGraphsAreClearErrors) {
  const OpRegistry reg = default_op_registry();
  Graph unsupported_op = small_graph();
  unsupported_op.nodes.push_back(make_node("FancyOp", {"x"}, {"f"}, "fancy"));
  auto a = Session::create(unsupported_op, reg);
  ASSERT_FALSE(a.is_ok());
  EXPECT_EQ(a.status().code(), StatusCode::kUnsupported);
  EXPECT_NE(a.status().message().find("FancyOp (node 'fancy' (FancyOp))"), std::string::npos) << a.status().message();

  Graph dangling = small_graph();
  dangling.nodes[0].inputs[0] = "nowhere";
  auto b = Session::create(dangling, reg);
  ASSERT_FALSE(b.is_ok());
  EXPECT_NE(b.status().message().find("'nowhere'"), std::string::npos);

  Graph cycle = small_graph();
  cycle.nodes[1].inputs[0] = "y";  // Add reads Relu's output, Relu reads Add's
  auto c = Session::create(cycle, reg);
  ASSERT_FALSE(c.is_ok());
  EXPECT_NE(c.status().message().find("cycle"), std::string::npos) << c.status().message();
}

TEST(Passes, IdentityFeedingAGraphOutputIsKept) {
  Graph g;
  g.inputs.push_back(value("x", ElemType::kFloat, {2}));
  g.outputs.push_back(value("y", ElemType::kFloat, {2}));
  g.outputs.push_back(value("z", ElemType::kFloat, {2}));
  g.nodes.push_back(make_node("Identity", {"x"}, {"y"}));
  g.nodes.push_back(make_node("Identity", {"x"}, {"t"}));
  g.nodes.push_back(make_node("Neg", {"t"}, {"z"}));
  remove_identities(g);
  ASSERT_EQ(g.nodes.size(), 2u);
  EXPECT_EQ(g.nodes[1].inputs[0], "x");
  const OpRegistry reg = default_op_registry();
  auto s = Session::create(g, reg);
  ASSERT_TRUE(s.is_ok()) << s.status().to_string();
  auto out = (*s)->run({{"x", Tensor::from_vector<float>({2}, {1, -2})}});
  ASSERT_TRUE(out.is_ok()) << out.status().to_string();
  EXPECT_EQ((*out)[0].data<float>()[1], -2.0f);
  EXPECT_EQ((*out)[1].data<float>()[1], 2.0f);
}

}  // namespace
}  // namespace coreinfer

namespace coreinfer {
namespace {

TEST(Passes, ShapeOfAStaticValueFoldsAndItsArithmeticWithIt) {
  Graph g;
  g.opsets[""] = 15;
  g.inputs.push_back(value("x", ElemType::kFloat, {2, 6}));
  g.outputs.push_back(value("y", ElemType::kFloat, {3, 4}));
  g.initializers["last"] = Tensor::from_vector<int64_t>({1}, {1});
  g.value_info["h"] = value("h", ElemType::kFloat, {2, 6});
  g.nodes.push_back(make_node("Relu", {"x"}, {"h"}));
  Node shape = make_node("Shape", {"h"}, {"s"});
  shape.attrs.set_int("start", -1);
  g.nodes.push_back(shape);                                       // [6]
  g.nodes.push_back(make_node("Add", {"s", "last"}, {"cols"}));   // [7] -> not used below
  g.nodes.push_back(make_node("Reshape", {"h", "target"}, {"y"}));
  g.initializers["target"] = Tensor::from_vector<int64_t>({2}, {3, 4});
  const OpRegistry reg = default_op_registry();
  Graph folded = g;
  fold_static_shapes(folded);
  ASSERT_TRUE(folded.initializers.count("s"));
  EXPECT_EQ(folded.initializers["s"].shape(), (Shape{1}));
  EXPECT_EQ(folded.initializers["s"].data<int64_t>()[0], 6);
  auto s = Session::create(g, reg);
  ASSERT_TRUE(s.is_ok()) << s.status().to_string();
  for (const Node& n : (*s)->graph().nodes) EXPECT_NE(n.op_type, "Shape");
}

}  // namespace
}  // namespace coreinfer
