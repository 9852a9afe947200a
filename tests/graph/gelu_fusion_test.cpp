// fuse_gelu: the exporters' five-node erf GELU becomes one Gelu node with the same values.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "graph/graph_builders.h"
#include "graph/ops/register.h"
#include "graph/passes.h"
#include "graph/session.h"

namespace coreinfer {
namespace {

using testing::make_node;

ValueInfo float_value(const std::string& name) { return testing::value(name, ElemType::kFloat); }

enum class Form { kDivThenTimesHalf, kMulInvSqrt2ThenTimesHalf, kHalfXTimesOnePlusErf, kWrongHalf };

// y = gelu(x) in one of the ways exporters write it (kWrongHalf: 0.6 instead of 0.5, not a GELU).
Graph gelu_graph(Form form) {
  Graph g;
  g.opsets[""] = 17;
  g.inputs = {float_value("x")};
  g.outputs = {float_value("y")};
  auto scalar = [&](const std::string& name, float v) { g.initializers[name] = Tensor::from_vector<float>({}, {v}); };
  scalar("sqrt2", 1.41421356f);
  scalar("inv_sqrt2", 0.70710678f);
  scalar("one", 1.0f);
  scalar("half", form == Form::kWrongHalf ? 0.6f : 0.5f);
  if (form == Form::kMulInvSqrt2ThenTimesHalf) g.nodes.push_back(make_node("Mul", {"inv_sqrt2", "x"}, {"s"}));
  else g.nodes.push_back(make_node("Div", {"x", "sqrt2"}, {"s"}));
  g.nodes.push_back(make_node("Erf", {"s"}, {"e"}));
  g.nodes.push_back(make_node("Add", {"one", "e"}, {"a"}));
  if (form == Form::kHalfXTimesOnePlusErf) {
    g.nodes.push_back(make_node("Mul", {"half", "x"}, {"h"}));
    g.nodes.push_back(make_node("Mul", {"h", "a"}, {"y"}));
  } else {
    g.nodes.push_back(make_node("Mul", {"x", "a"}, {"m"}));
    g.nodes.push_back(make_node("Mul", {"m", "half"}, {"y"}));
  }
  return g;
}

TEST(GeluFusion, ExportedErfFormsBecomeOneGeluWithTheSameValues) {
  const OpRegistry reg = default_op_registry();
  std::mt19937 rng(5);
  std::uniform_real_distribution<float> u(-6, 6);
  std::vector<float> xs(1037);
  for (float& v : xs) v = u(rng);
  const Tensor x = Tensor::from_vector<float>({1037}, xs);
  for (Form form : {Form::kDivThenTimesHalf, Form::kMulInvSqrt2ThenTimesHalf, Form::kHalfXTimesOnePlusErf,
                    Form::kWrongHalf}) {
    SCOPED_TRACE(static_cast<int>(form));
    auto fused = Session::create(gelu_graph(form), reg, SessionOptions{.threads = 2});
    auto plain = Session::create(gelu_graph(form), reg, SessionOptions{.threads = 1, .optimize = false});
    ASSERT_TRUE(fused.is_ok()) << fused.status().to_string();
    ASSERT_TRUE(plain.is_ok()) << plain.status().to_string();
    const Graph& g = (*fused)->graph();
    if (form == Form::kWrongHalf) {
      EXPECT_EQ(g.nodes.size(), 5u);
    } else {
      ASSERT_EQ(g.nodes.size(), 1u);
      EXPECT_EQ(g.nodes[0].op_type, "Gelu");
      EXPECT_EQ(g.nodes[0].outputs[0], "y");
    }
    auto a = (*fused)->run({{"x", x}});
    auto b = (*plain)->run({{"x", x}});
    ASSERT_TRUE(a.is_ok()) << a.status().to_string();
    ASSERT_TRUE(b.is_ok()) << b.status().to_string();
    // Five fp32 roundings against one: a few ulps of the result.
    for (int64_t i = 0; i < x.numel(); ++i)
      ASSERT_NEAR((*a)[0].data<float>()[i], (*b)[0].data<float>()[i], 2e-6f * (1 + std::fabs(xs[i]))) << xs[i];
  }
}

TEST(GeluFusion, AnIntermediateReadElsewhereIsKept) {
  Graph g = gelu_graph(Form::kDivThenTimesHalf);
  g.outputs.push_back(float_value("e"));  // the Erf's output is also wanted
  const OpRegistry reg = default_op_registry();
  auto fused = Session::create(std::move(g), reg, SessionOptions{.threads = 1});
  ASSERT_TRUE(fused.is_ok()) << fused.status().to_string();
  EXPECT_EQ((*fused)->graph().nodes.size(), 5u);
}

}  // namespace
}  // namespace coreinfer
