// fuse_matmul_transposes: MatMul reading a permuted view equals Transpose then MatMul.
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

Node transpose(const std::string& in, const std::string& out, std::vector<int64_t> perm) {
  Node n = make_node("Transpose", {in}, {out});
  n.attrs.set_ints("perm", std::move(perm));
  return n;
}

ValueInfo float_value(const std::string& name) { return testing::value(name, ElemType::kFloat); }

// Attention-shaped: x, y [B,S,H,D]; scores = (x as [B,H,S,D]) . (y as [B,H,D,S]);
// out = scores . (y as [B,H,S,D]); proj = out . (w as given, 2-D).
Graph attention_graph() {
  Graph g;
  g.opsets[""] = 17;
  g.inputs = {float_value("x"), float_value("y"), float_value("w")};
  g.outputs = {float_value("proj"), float_value("scores")};
  g.nodes = {transpose("x", "q", {0, 2, 1, 3}),
             transpose("y", "k", {0, 2, 3, 1}),
             transpose("y", "v", {0, 2, 1, 3}),
             make_node("MatMul", {"q", "k"}, {"scores"}),
             make_node("MatMul", {"scores", "v"}, {"out"}),
             transpose("w", "w_same", {0, 1}),
             make_node("MatMul", {"out", "w_same"}, {"proj"})};
  return g;
}

Tensor random_tensor(Shape shape, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(-1, 1);
  std::vector<float> v(static_cast<size_t>(shape_numel(shape)));
  for (float& x : v) x = u(rng);
  return Tensor::from_vector<float>(shape, v);
}

size_t count_op(const Graph& g, const std::string& op) {
  size_t n = 0;
  for (const Node& node : g.nodes) n += node.op_type == op;
  return n;
}

TEST(MatMulTranspose, PermutedOperandsEqualTransposeThenMatMul) {
  const OpRegistry reg = default_op_registry();
  auto fused = Session::create(attention_graph(), reg, SessionOptions{.threads = 2});
  ASSERT_TRUE(fused.is_ok()) << fused.status().to_string();
  // q, v and the identity perm fold into MatMul; k moves the last axis and stays a Transpose.
  EXPECT_EQ(count_op((*fused)->graph(), "Transpose"), 1u);
  auto plain = Session::create(attention_graph(), reg, SessionOptions{.threads = 1, .optimize = false});
  ASSERT_TRUE(plain.is_ok()) << plain.status().to_string();
  for (auto [b, s, h, d, e] : {std::array<int64_t, 5>{2, 5, 3, 4, 6}, {1, 17, 2, 33, 9}, {3, 1, 4, 7, 1}}) {
    SCOPED_TRACE("B " + std::to_string(b) + " S " + std::to_string(s) + " H " + std::to_string(h));
    const std::vector<NamedTensor> feeds = {{"x", random_tensor({b, s, h, d}, 1)},
                                            {"y", random_tensor({b, s, h, d}, 2)},
                                            {"w", random_tensor({d, e}, 3)}};
    auto got = (*fused)->run(feeds);
    auto want = (*plain)->run(feeds);
    ASSERT_TRUE(got.is_ok()) << got.status().to_string();
    ASSERT_TRUE(want.is_ok()) << want.status().to_string();
    for (size_t o = 0; o < 2; ++o) {
      ASSERT_EQ((*got)[o].shape(), (*want)[o].shape());
      const float* g = (*got)[o].data<float>();
      const float* w = (*want)[o].data<float>();
      // Same products, summed in possibly another order: fp32 rounding over <= 33 terms.
      for (int64_t i = 0; i < (*want)[o].numel(); ++i) ASSERT_NEAR(g[i], w[i], 1e-4f * (1 + std::fabs(w[i]))) << i;
    }
  }
}

// DLRM-shaped: x [B,F,D], y [Bb,F,D] (Bb 1 broadcasts), q [F,D]; z = x . x^T (B swaps its last
// two axes: fused), r = Relu(x . y^T) (fused, with an epilogue), v = x . q^T (a 2-D B shared by
// all items: fused), w = x^T . x (A moves its last axis: kept).
Graph interaction_graph() {
  Graph g;
  g.opsets[""] = 17;
  g.inputs = {float_value("x"), float_value("y"), float_value("q")};
  g.outputs = {float_value("z"), float_value("r"), float_value("w"), float_value("v")};
  g.nodes = {transpose("x", "xt", {0, 2, 1}),
             transpose("y", "yt", {0, 2, 1}),
             make_node("MatMul", {"x", "xt"}, {"z"}),
             make_node("MatMul", {"x", "yt"}, {"xy"}),
             make_node("Relu", {"xy"}, {"r"}),
             make_node("MatMul", {"xt", "x"}, {"w"}),
             transpose("q", "qt", {1, 0}),
             make_node("MatMul", {"x", "qt"}, {"v"})};
  return g;
}

TEST(MatMulTranspose, SwappedLastAxesOfBEqualTransposeThenMatMul) {
  const OpRegistry reg = default_op_registry();
  auto fused = Session::create(interaction_graph(), reg, SessionOptions{.threads = 2});
  ASSERT_TRUE(fused.is_ok()) << fused.status().to_string();
  // yt and qt fold into their MatMuls; xt still feeds w's A, where a moved last axis is not absorbed.
  EXPECT_EQ(count_op((*fused)->graph(), "Transpose"), 1u);
  size_t with_perm_b = 0;
  for (const Node& n : (*fused)->graph().nodes) with_perm_b += n.op_type == "MatMul" && n.attrs.has("perm_b");
  EXPECT_EQ(with_perm_b, 3u);
  auto plain = Session::create(interaction_graph(), reg, SessionOptions{.threads = 1, .optimize = false});
  ASSERT_TRUE(plain.is_ok()) << plain.status().to_string();
  // {B, F, D, Bb}: DLRM's 27x64 items, odd sizes, one item above the small-item size, degenerate.
  for (auto [b, f, d, bb] : {std::array<int64_t, 4>{5, 27, 64, 5}, {3, 5, 17, 1}, {1, 131, 129, 1}, {2, 1, 1, 2}}) {
    SCOPED_TRACE("B " + std::to_string(b) + " F " + std::to_string(f) + " D " + std::to_string(d));
    const std::vector<NamedTensor> feeds = {{"x", random_tensor({b, f, d}, 4)},
                                            {"y", random_tensor({bb, f, d}, 5)},
                                            {"q", random_tensor({f, d}, 6)}};
    auto got = (*fused)->run(feeds);
    auto want = (*plain)->run(feeds);
    ASSERT_TRUE(got.is_ok()) << got.status().to_string();
    ASSERT_TRUE(want.is_ok()) << want.status().to_string();
    for (size_t o = 0; o < 4; ++o) {
      ASSERT_EQ((*got)[o].shape(), (*want)[o].shape());
      const float* g = (*got)[o].data<float>();
      const float* w = (*want)[o].data<float>();
      // Sums of <= 131 products of values in [-1, 1], possibly in another order.
      for (int64_t i = 0; i < (*want)[o].numel(); ++i) ASSERT_NEAR(g[i], w[i], 1e-4f * (1 + std::fabs(w[i]))) << o << ":" << i;
    }
  }
}

TEST(MatMulTranspose, WrongRankForTheAbsorbedPermIsAnError) {
  const OpRegistry reg = default_op_registry();
  auto fused = Session::create(attention_graph(), reg, SessionOptions{.threads = 1});
  ASSERT_TRUE(fused.is_ok());
  auto r = (*fused)->run({{"x", random_tensor({2, 3, 4}, 1)},
                          {"y", random_tensor({2, 5, 3, 4}, 2)},
                          {"w", random_tensor({4, 6}, 3)}});
  ASSERT_FALSE(r.is_ok());
  EXPECT_NE(r.status().message().find("perm"), std::string::npos) << r.status().message();
}

}  // namespace
}  // namespace coreinfer
