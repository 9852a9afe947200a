// If, Loop and Scan on small hand-built graphs, with and without the optimisation passes. Every
// value is a small integer held in fp32, so sums are exact and results are compared exactly.
#include <gtest/gtest.h>

#include "control_test_util.h"
#include "graph/ops/control/control_ops.h"
#include "graph/session.h"

namespace coreinfer::controltest {
namespace {

Tensor bool_scalar(bool v) { return Tensor::from_vector<bool>({}, {v}); }
Tensor i64_scalar(int64_t v) { return Tensor::from_vector<int64_t>({}, {v}); }

Result<std::vector<Tensor>> run(Graph g, const std::vector<NamedTensor>& feeds, bool optimize = true) {
  SessionOptions so;
  so.threads = 1;
  so.optimize = optimize;
  CI_ASSIGN_OR_RETURN(auto session, Session::create(std::move(g), test_registry(), so));
  return session->run(feeds);
}

// then: x + x (reads the outer input x); else: a constant of another shape.
Graph if_graph() {
  Node constant = node("Constant", {}, {"c"});
  Attribute value;
  value.kind = Attribute::Kind::kTensor;
  value.t = Tensor::from_vector<float>({3}, {7, 8, 9});
  constant.attrs.set("value", value);
  Node n = node("If", {"cond"}, {"y"});
  set_graph(n, "then_branch", graph({node("Add", {"x", "x"}, {"t"})}, {}, {vinfo("t")}));
  set_graph(n, "else_branch", graph({constant}, {}, {vinfo("c")}));
  return graph({n}, {vinfo("cond", ElemType::kBool), vinfo("x", ElemType::kFloat)}, {vinfo("y")});
}

class ControlFlow : public ::testing::TestWithParam<bool> {};  // optimize on / off

TEST_P(ControlFlow, IfChoosesBranchAndShapesMayDiffer) {
  const Tensor x = Tensor::from_vector<float>({2}, {1, 5});
  auto then_out = run(if_graph(), {{"cond", bool_scalar(true)}, {"x", x}}, GetParam());
  ASSERT_TRUE(then_out.is_ok()) << then_out.status().to_string();
  EXPECT_EQ(floats((*then_out)[0]), (std::vector<float>{2, 10}));
  auto else_out = run(if_graph(), {{"cond", bool_scalar(false)}, {"x", x}}, GetParam());
  ASSERT_TRUE(else_out.is_ok()) << else_out.status().to_string();
  EXPECT_EQ(floats((*else_out)[0]), (std::vector<float>{7, 8, 9}));
}

TEST_P(ControlFlow, IfWithConstantConditionFolds) {
  Graph g = if_graph();
  g.initializers["cond"] = bool_scalar(false);
  g.inputs.erase(g.inputs.begin());
  auto out = run(std::move(g), {{"x", Tensor::from_vector<float>({2}, {1, 5})}}, GetParam());
  ASSERT_TRUE(out.is_ok()) << out.status().to_string();
  EXPECT_EQ(floats((*out)[0]), (std::vector<float>{7, 8, 9}));
}

// An outer node whose output only a branch reads must survive dead-node removal, and run first
// even when listed after the If.
TEST_P(ControlFlow, ValueReadOnlyBySubgraphIsKept) {
  Node n = node("If", {"cond"}, {"y"});
  set_graph(n, "then_branch", graph({node("Identity", {"doubled"}, {"t"})}, {}, {vinfo("t")}));
  set_graph(n, "else_branch", graph({node("Identity", {"x"}, {"e"})}, {}, {vinfo("e")}));
  Graph g = graph({n, node("Add", {"x", "x"}, {"doubled"})},
                  {vinfo("cond", ElemType::kBool), vinfo("x", ElemType::kFloat)}, {vinfo("y")});
  auto out = run(std::move(g), {{"cond", bool_scalar(true)}, {"x", Tensor::from_vector<float>({2}, {3, 4})}},
                 GetParam());
  ASSERT_TRUE(out.is_ok()) << out.status().to_string();
  EXPECT_EQ(floats((*out)[0]), (std::vector<float>{6, 8}));
}

// Branches with no nodes that return outer values directly: a graph input and an initializer.
TEST_P(ControlFlow, BranchReturningOuterValuesDirectly) {
  Node n = node("If", {"cond"}, {"y"});
  set_graph(n, "then_branch", graph({}, {}, {vinfo("x")}));
  set_graph(n, "else_branch", graph({}, {}, {vinfo("w")}));
  Graph g = graph({n}, {vinfo("cond", ElemType::kBool), vinfo("x")}, {vinfo("y")});
  g.initializers["w"] = Tensor::from_vector<float>({2}, {-1, -2});
  SessionOptions so;
  so.threads = 1;
  so.optimize = GetParam();
  auto session = Session::create(std::move(g), test_registry(), so);
  ASSERT_TRUE(session.is_ok()) << session.status().to_string();
  for (bool cond : {true, false}) {
    auto out = (*session)->run({{"cond", bool_scalar(cond)}, {"x", Tensor::from_vector<float>({1}, {4})}});
    ASSERT_TRUE(out.is_ok()) << out.status().to_string();
    EXPECT_EQ(floats((*out)[0]), (cond ? std::vector<float>{4} : std::vector<float>{-1, -2}));
  }
}

// sum_{i<M} x, with the partial sums as scan output; x is read from the outer scope.
Graph loop_graph(bool with_trip_count, bool with_cond, int64_t stop_after = -1) {
  std::vector<Node> body_nodes = {node("Add", {"sum_in", "x"}, {"sum_out"}), node("Identity", {"sum_out"}, {"scan"})};
  if (stop_after >= 0) {
    Node limit = node("Constant", {}, {"limit"});
    Attribute v;
    v.kind = Attribute::Kind::kTensor;
    v.t = i64_scalar(stop_after - 1);
    limit.attrs.set("value", v);
    body_nodes.push_back(limit);
    body_nodes.push_back(node("Less", {"i", "limit"}, {"cond_out"}));
  } else {
    body_nodes.push_back(node("Identity", {"cond_in"}, {"cond_out"}));
  }
  Graph body = graph(body_nodes, {vinfo("i", ElemType::kInt64), vinfo("cond_in", ElemType::kBool), vinfo("sum_in")},
                     {vinfo("cond_out"), vinfo("sum_out"), vinfo("scan")});
  Node n = node("Loop", {with_trip_count ? "M" : "", with_cond ? "cond" : "", "init"}, {"sum", "partials"});
  set_graph(n, "body", std::move(body));
  std::vector<ValueInfo> inputs = {vinfo("init"), vinfo("x")};
  if (with_trip_count) inputs.push_back(vinfo("M"));
  if (with_cond) inputs.push_back(vinfo("cond"));
  return graph({n}, inputs, {vinfo("sum"), vinfo("partials")});
}

TEST_P(ControlFlow, LoopSumsWithTripCount) {
  auto out = run(loop_graph(true, true),
                 {{"init", Tensor::from_vector<float>({2}, {0, 1})},
                  {"x", Tensor::from_vector<float>({2}, {1, 2})},
                  {"M", i64_scalar(4)},
                  {"cond", bool_scalar(true)}},
                 GetParam());
  ASSERT_TRUE(out.is_ok()) << out.status().to_string();
  EXPECT_EQ(floats((*out)[0]), (std::vector<float>{4, 9}));
  EXPECT_EQ((*out)[1].shape(), (Shape{4, 2}));
  EXPECT_EQ(floats((*out)[1]), (std::vector<float>{1, 3, 2, 5, 3, 7, 4, 9}));
}

TEST_P(ControlFlow, LoopStopsOnConditionWithoutTripCount) {
  // cond_out = i < 2: iterations 0, 1, 2 run.
  auto out = run(loop_graph(false, true, 3),
                 {{"init", Tensor::from_vector<float>({1}, {0})},
                  {"x", Tensor::from_vector<float>({1}, {5})},
                  {"cond", bool_scalar(true)}},
                 GetParam());
  ASSERT_TRUE(out.is_ok()) << out.status().to_string();
  EXPECT_EQ(floats((*out)[0]), (std::vector<float>{15}));
  EXPECT_EQ((*out)[1].shape(), (Shape{3, 1}));
}

TEST_P(ControlFlow, LoopWithZeroIterationsGivesEmptyScanOutput) {
  auto out = run(loop_graph(true, false),
                 {{"init", Tensor::from_vector<float>({2}, {3, 4})},
                  {"x", Tensor::from_vector<float>({2}, {1, 2})},
                  {"M", i64_scalar(0)}},
                 GetParam());
  ASSERT_TRUE(out.is_ok()) << out.status().to_string();
  EXPECT_EQ(floats((*out)[0]), (std::vector<float>{3, 4}));
  EXPECT_EQ((*out)[1].numel(), 0);
}

// Neither trip count nor condition: the loop never ends by itself and must stop with an error
// (a registry whose Loop stops at 1000 iterations, to keep the test short).
TEST(ControlFlowLimits, EndlessLoopStopsAtIterationLimit) {
  OpRegistry registry = test_registry();
  registry.add("", "Loop", [](const OpBuildContext& ctx) { return make_loop(ctx, 1000); });
  SessionOptions so;
  so.threads = 1;
  auto session = Session::create(loop_graph(false, false), registry, so);
  ASSERT_TRUE(session.is_ok()) << session.status().to_string();
  auto out = (*session)->run({{"init", Tensor::from_vector<float>({1}, {0})}, {"x", Tensor::from_vector<float>({1}, {0})}});
  ASSERT_FALSE(out.is_ok());
  EXPECT_NE(out.status().message().find("the loop ran 1000 iterations without ending"), std::string::npos)
      << out.status().message();
  // At the limit, a loop with a trip count ends normally.
  auto bounded = Session::create(loop_graph(true, false), registry, so);
  ASSERT_TRUE(bounded.is_ok()) << bounded.status().to_string();
  auto sum = (*bounded)->run({{"init", Tensor::from_vector<float>({1}, {0})},
                              {"x", Tensor::from_vector<float>({1}, {1})},
                              {"M", i64_scalar(1000)}});
  ASSERT_TRUE(sum.is_ok()) << sum.status().to_string();
  EXPECT_EQ(floats((*sum)[0]), (std::vector<float>{1000}));
  EXPECT_EQ((*sum)[1].shape(), (Shape{1000, 1}));
}

TEST_P(ControlFlow, LoopRejectsConditionThatIsNotBool) {
  auto out = run(loop_graph(true, true),
                 {{"init", Tensor::from_vector<float>({1}, {0})},
                  {"x", Tensor::from_vector<float>({1}, {1})},
                  {"M", i64_scalar(2)},
                  {"cond", Tensor::from_vector<float>({}, {1})}},
                 GetParam());
  ASSERT_FALSE(out.is_ok());
  EXPECT_NE(out.status().message().find("bool"), std::string::npos) << out.status().message();
  EXPECT_NE(out.status().message().find("Loop"), std::string::npos) << out.status().message();
}

TEST_P(ControlFlow, IfRejectsConditionThatIsNotBool) {
  Graph g = if_graph();
  g.inputs[0].type = ElemType::kUndefined;  // so that the kernel, not the feed check, sees it
  auto out = run(std::move(g), {{"cond", i64_scalar(1)}, {"x", Tensor::from_vector<float>({1}, {1})}}, GetParam());
  ASSERT_FALSE(out.is_ok());
  EXPECT_NE(out.status().message().find("input 'cond' must be a bool tensor of one element, got int64"),
            std::string::npos)
      << out.status().message();
}

TEST_P(ControlFlow, IfBranchOutputCountMustMatchNode) {
  Node n = node("If", {"cond"}, {"y", "z"});
  set_graph(n, "then_branch", graph({node("Identity", {"x"}, {"t"})}, {}, {vinfo("t")}));
  set_graph(n, "else_branch", graph({node("Identity", {"x"}, {"e"})}, {}, {vinfo("e")}));
  Graph g = graph({n}, {vinfo("cond", ElemType::kBool), vinfo("x")}, {vinfo("y"), vinfo("z")});
  SessionOptions so;
  so.threads = 1;
  so.optimize = GetParam();
  auto s = Session::create(std::move(g), test_registry(), so);
  ASSERT_FALSE(s.is_ok());
  EXPECT_NE(s.status().message().find("then_branch has 1 outputs, the node 2"), std::string::npos)
      << s.status().message();
}

TEST_P(ControlFlow, LoopBodyWithTooFewOutputsIsRejected) {
  Node n = node("Loop", {"M", "", "init"}, {"sum"});
  set_graph(n, "body",
            graph({node("Identity", {"cond_in"}, {"cond_out"})},
                  {vinfo("i"), vinfo("cond_in"), vinfo("sum_in")}, {vinfo("cond_out")}));
  Graph g = graph({n}, {vinfo("M"), vinfo("init")}, {vinfo("sum")});
  auto s = Session::create(std::move(g), test_registry(), {});
  ASSERT_FALSE(s.is_ok());
  EXPECT_NE(s.status().message().find("at least 2"), std::string::npos) << s.status().message();
}

// Running sum of x's rows (axis 1 of x [2, 3]), backwards, the outputs stacked on axis 1 in
// reverse too; the body multiplies by an outer scale.
TEST_P(ControlFlow, ScanCumulativeSumWithAxesAndDirections) {
  Graph body = graph({node("Add", {"acc_in", "col"}, {"acc"}), node("Mul", {"acc", "scale"}, {"scaled"})},
                     {vinfo("acc_in"), vinfo("col")}, {vinfo("acc"), vinfo("scaled")});
  Node n = node("Scan", {"init", "x"}, {"final", "sums"});
  set_graph(n, "body", std::move(body));
  n.attrs.set_int("num_scan_inputs", 1);
  n.attrs.set_ints("scan_input_axes", {1});
  n.attrs.set_ints("scan_input_directions", {1});
  n.attrs.set_ints("scan_output_axes", {-1});
  n.attrs.set_ints("scan_output_directions", {1});
  Graph g = graph({n}, {vinfo("init"), vinfo("x"), vinfo("scale")}, {vinfo("final"), vinfo("sums")});
  auto out = run(std::move(g),
                 {{"init", Tensor::from_vector<float>({2}, {0, 100})},
                  {"x", Tensor::from_vector<float>({2, 3}, {1, 2, 3, 4, 5, 6})},
                  {"scale", Tensor::from_vector<float>({}, {2})}},
                 GetParam());
  ASSERT_TRUE(out.is_ok()) << out.status().to_string();
  EXPECT_EQ(floats((*out)[0]), (std::vector<float>{6, 115}));
  // Iterations read columns 2, 1, 0: sums (3,106), (5,111), (6,115); written to positions 2, 1, 0.
  EXPECT_EQ((*out)[1].shape(), (Shape{2, 3}));
  EXPECT_EQ(floats((*out)[1]), (std::vector<float>{12, 10, 6, 230, 222, 212}));
}

TEST_P(ControlFlow, ScanOpset8BatchWithSequenceLengths) {
  Graph body = graph({node("Add", {"acc_in", "v"}, {"acc"}), node("Identity", {"acc"}, {"seen"})},
                     {vinfo("acc_in"), vinfo("v")}, {vinfo("acc"), vinfo("seen")}, 8);
  Node n = node("Scan", {"lens", "init", "x"}, {"final", "sums"});
  set_graph(n, "body", std::move(body));
  n.attrs.set_int("num_scan_inputs", 1);
  Graph g = graph({n}, {vinfo("lens"), vinfo("init"), vinfo("x")}, {vinfo("final"), vinfo("sums")}, 8);
  // batch 2, sequence 3, one value; the second sequence has length 2.
  auto out = run(std::move(g),
                 {{"lens", Tensor::from_vector<int64_t>({2}, {3, 2})},
                  {"init", Tensor::from_vector<float>({2, 1}, {0, 10})},
                  {"x", Tensor::from_vector<float>({2, 3, 1}, {1, 2, 3, 4, 5, 6})}},
                 GetParam());
  ASSERT_TRUE(out.is_ok()) << out.status().to_string();
  EXPECT_EQ(floats((*out)[0]), (std::vector<float>{6, 19}));
  EXPECT_EQ((*out)[1].shape(), (Shape{2, 3, 1}));
  EXPECT_EQ(floats((*out)[1]), (std::vector<float>{1, 3, 6, 14, 19, 0}));  // padding is zero
}

TEST_P(ControlFlow, ScanInputsOfDifferentLengthsAreRejected) {
  Graph body = graph({node("Add", {"a", "b"}, {"s"})}, {vinfo("a"), vinfo("b")}, {vinfo("s")});
  Node n = node("Scan", {"x", "y"}, {"sums"});
  set_graph(n, "body", std::move(body));
  n.attrs.set_int("num_scan_inputs", 2);
  Graph g = graph({n}, {vinfo("x"), vinfo("y")}, {vinfo("sums")});
  auto out = run(std::move(g),
                 {{"x", Tensor::from_vector<float>({2, 1}, {1, 2})}, {"y", Tensor::from_vector<float>({3, 1}, {1, 2, 3})}},
                 GetParam());
  ASSERT_FALSE(out.is_ok());
  EXPECT_NE(out.status().message().find("same length"), std::string::npos) << out.status().message();
}

// A Loop inside an If branch reads x from two scopes up.
TEST_P(ControlFlow, NestedSubgraphReadsValueTwoScopesUp) {
  Graph body = graph({node("Add", {"s_in", "x"}, {"s_out"}), node("Identity", {"c_in"}, {"c_out"})},
                     {vinfo("i"), vinfo("c_in"), vinfo("s_in")}, {vinfo("c_out"), vinfo("s_out")});
  Node loop = node("Loop", {"M", "", "x"}, {"r"});
  set_graph(loop, "body", std::move(body));
  Node n = node("If", {"cond"}, {"y"});
  set_graph(n, "then_branch", graph({loop}, {}, {vinfo("r")}));
  set_graph(n, "else_branch", graph({node("Identity", {"x"}, {"e"})}, {}, {vinfo("e")}));
  Graph g = graph({n}, {vinfo("cond", ElemType::kBool), vinfo("x"), vinfo("M")}, {vinfo("y")});
  auto out = run(std::move(g),
                 {{"cond", bool_scalar(true)}, {"x", Tensor::from_vector<float>({1}, {2})}, {"M", i64_scalar(3)}},
                 GetParam());
  ASSERT_TRUE(out.is_ok()) << out.status().to_string();
  EXPECT_EQ(floats((*out)[0]), (std::vector<float>{8}));
}

INSTANTIATE_TEST_SUITE_P(Optimize, ControlFlow, ::testing::Bool());

}  // namespace
}  // namespace coreinfer::controltest
