// fold_batch_norm and fuse_activations: structure (which nodes remain, what attributes they
// carry) and numerics (the optimised graph computes what the original does within fp32 rounding:
// rtol 1e-5 of the summation magnitude + 1e-5). The test's registry has the nn ops plus the few
// element-wise ops the patterns use, written here as plain loops.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <unordered_map>

#include "core/thread_pool.h"
#include "graph/activation.h"
#include "graph/ops/register.h"
#include "graph/passes.h"
#include "graph/session.h"
#include "kernels/kernel_table.h"
#include "nn_test_util.h"

namespace coreinfer::nntest {
namespace {

void add_unary(OpRegistry& r, const std::string& op, std::function<float(float, const Attributes&)> fn) {
  r.add("", op, [fn](const OpBuildContext& ctx) -> Result<std::unique_ptr<OpKernel>> {
    const Attributes attrs = ctx.attrs();
    return std::unique_ptr<OpKernel>(new LambdaKernel([fn, attrs](OpRunContext& c) -> Status {
      const Tensor* x = c.input(0);
      CI_ASSIGN_OR_RETURN(Tensor * y, c.allocate_output(0, ElemType::kFloat, x->shape()));
      float lo = -INFINITY, hi = INFINITY;
      if (c.input(1)) lo = c.input(1)->data<float>()[0];
      if (c.input(2)) hi = c.input(2)->data<float>()[0];
      for (int64_t i = 0; i < x->numel(); ++i) {
        float v = fn(x->data<float>()[i], attrs);
        if (c.num_inputs() > 1) v = std::min(std::max(v, lo), hi);
        y->data<float>()[i] = v;
      }
      return Status::ok();
    }));
  });
}

// Same-shape or trailing-1-D-broadcast binary op (enough for the patterns here).
void add_binary(OpRegistry& r, const std::string& op, std::function<float(float, float)> fn) {
  r.add("", op, [fn](const OpBuildContext&) -> Result<std::unique_ptr<OpKernel>> {
    return std::unique_ptr<OpKernel>(new LambdaKernel([fn](OpRunContext& c) -> Status {
      const Tensor* a = c.input(0);
      const Tensor* b = c.input(1);
      const bool swap = a->numel() < b->numel();
      const Tensor* big = swap ? b : a;
      const Tensor* small = swap ? a : b;
      CI_ASSIGN_OR_RETURN(Tensor * y, c.allocate_output(0, ElemType::kFloat, big->shape()));
      for (int64_t i = 0; i < big->numel(); ++i) {
        const float u = big->data<float>()[i], v = small->data<float>()[i % small->numel()];
        y->data<float>()[i] = swap ? fn(v, u) : fn(u, v);
      }
      return Status::ok();
    }));
  });
}

OpRegistry test_registry() {
  OpRegistry r;
  register_nn_ops(r);
  add_unary(r, "Relu", [](float x, const Attributes&) { return x > 0 ? x : 0.0f; });
  add_unary(r, "Clip", [](float x, const Attributes& a) {
    return std::min(std::max(x, a.get_float("min", -INFINITY)), a.get_float("max", INFINITY));
  });
  add_unary(r, "Sigmoid", [](float x, const Attributes&) { return 1.0f / (1.0f + std::exp(-x)); });
  add_unary(r, "LeakyRelu", [](float x, const Attributes& a) { return x >= 0 ? x : x * a.get_float("alpha", 0.01f); });
  add_unary(r, "HardSigmoid", [](float x, const Attributes& a) {
    return std::max(0.0f, std::min(1.0f, a.get_float("alpha", 0.2f) * x + a.get_float("beta", 0.5f)));
  });
  add_unary(r, "HardSwish", [](float x, const Attributes&) { return x * std::max(0.0f, std::min(1.0f, x / 6 + 0.5f)); });
  add_binary(r, "Add", [](float a, float b) { return a + b; });
  add_binary(r, "Mul", [](float a, float b) { return a * b; });
  return r;
}

Node node(const std::string& op, std::vector<std::string> in, std::vector<std::string> out) {
  Node n;
  n.op_type = op;
  n.name = out[0] + "_node";
  n.inputs = std::move(in);
  n.outputs = std::move(out);
  return n;
}

ValueInfo value(const std::string& name, Shape shape) {
  ValueInfo v;
  v.name = name;
  v.type = ElemType::kFloat;
  v.shape = std::move(shape);
  v.has_shape = true;
  return v;
}

// A minimal executor (nodes in order, constants from the initializers), independent of Session.
Result<std::vector<Tensor>> execute(const Graph& g, const OpRegistry& reg, const std::vector<NamedTensor>& feeds,
                                    ThreadPool* pool = nullptr) {
  std::unordered_map<std::string, Tensor> values(g.initializers.begin(), g.initializers.end());
  for (const auto& [name, t] : feeds) values[name] = t;
  for (const Node& n : g.nodes) {
    std::vector<const Tensor*> consts, ins;
    for (const std::string& in : n.inputs) {
      const bool present = !in.empty();
      if (present && !values.count(in)) return internal_error("no value " + in);
      ins.push_back(present ? &values.at(in) : nullptr);
      consts.push_back(present && g.initializers.count(in) ? &g.initializers.at(in) : nullptr);
    }
    const OpFactory* f = reg.find(n.domain, n.op_type);
    if (!f) return unsupported(n.op_type);
    OpBuildContext bctx{n, g.opset(n.domain), consts, kernels::active()};
    CI_ASSIGN_OR_RETURN(auto kernel, (*f)(bctx));
    std::vector<Tensor> outs(n.outputs.size());
    OpRunContext rctx{ins, outs, pool, kernels::active()};
    CI_RETURN_IF_ERROR(kernel->run(rctx));
    for (size_t o = 0; o < outs.size(); ++o)
      if (!n.outputs[o].empty()) values[n.outputs[o]] = outs[o];
  }
  std::vector<Tensor> out;
  for (const ValueInfo& vi : g.outputs) out.push_back(values[vi.name]);
  return out;
}

// Runs `g` with and without the passes (optimize_graph) on `feeds` (the optimised graph on `pool`
// when given); checks the outputs agree and returns the optimised graph.
// `pass` replaces optimize_graph when given.
Graph check_equal(const Graph& g, const std::vector<NamedTensor>& feeds, ThreadPool* pool = nullptr,
                  const std::function<void(Graph&)>& pass = nullptr) {
  const OpRegistry reg = test_registry();
  std::vector<Tensor> results[2];
  Graph optimised = g;
  EXPECT_TRUE(topological_sort(optimised).is_ok());
  if (pass) {
    pass(optimised);
  } else {
    const Status st = optimize_graph(optimised, reg, kernels::active());
    EXPECT_TRUE(st.is_ok()) << st.to_string();
  }
  for (int opt = 0; opt < 2; ++opt) {
    auto out = execute(opt ? optimised : g, reg, feeds, opt ? pool : nullptr);
    EXPECT_TRUE(out.is_ok()) << out.status().to_string();
    if (!out.is_ok()) return {};
    results[opt] = *out;
  }
  EXPECT_EQ(results[0].size(), results[1].size());
  for (size_t i = 0; i < results[0].size() && i < results[1].size(); ++i) {
    const Tensor& ref = results[0][i];
    std::vector<float> expected(ref.data<float>(), ref.data<float>() + ref.numel());
    EXPECT_EQ(results[1][i].shape(), ref.shape());
    expect_close(results[1][i], expected, {}, 1e-4, 1e-5, "output " + std::to_string(i));
  }
  return optimised;
}

int count_ops(const Graph& g, const std::string& op) {
  int n = 0;
  for (const Node& nd : g.nodes) n += nd.op_type == op;
  return n;
}

TEST(Fusion, ConvBatchNormReluFolds) {
  std::mt19937 rng(1);
  Graph g;
  g.opsets[""] = 17;
  g.inputs = {value("x", {2, 3, 8, 8})};
  g.outputs = {value("y", {})};
  g.initializers["w"] = random_tensor({5, 3, 3, 3}, rng);
  g.initializers["b"] = random_tensor({5}, rng);
  g.initializers["s"] = random_tensor({5}, rng);
  g.initializers["bb"] = random_tensor({5}, rng);
  g.initializers["m"] = random_tensor({5}, rng);
  g.initializers["v"] = random_tensor({5}, rng, 0.2f, 1.5f);
  Node conv = node("Conv", {"x", "w", "b"}, {"c"});
  conv.attrs.set_ints("pads", {1, 1, 1, 1});
  g.nodes = {conv, node("BatchNormalization", {"c", "s", "bb", "m", "v"}, {"bn"}), node("Relu", {"bn"}, {"y"})};
  const Graph opt = check_equal(g, {{"x", random_tensor({2, 3, 8, 8}, rng)}});
  ASSERT_EQ(opt.nodes.size(), 1u);
  EXPECT_EQ(opt.nodes[0].op_type, "Conv");
  EXPECT_EQ(opt.nodes[0].attrs.get_string("activation", ""), "Relu");
  EXPECT_EQ(opt.nodes[0].outputs[0], "y");
}

TEST(Fusion, SharedValueIsNotFused) {
  std::mt19937 rng(2);
  Graph g;
  g.opsets[""] = 17;
  g.inputs = {value("x", {1, 2, 5, 5})};
  g.outputs = {value("y", {}), value("z", {})};
  g.initializers["w"] = random_tensor({4, 2, 1, 1}, rng);
  for (const char* p : {"s", "bb", "m"}) g.initializers[p] = random_tensor({4}, rng);
  g.initializers["v"] = random_tensor({4}, rng, 0.2f, 1.5f);
  // c feeds both the BN and a Relu: neither may be folded/fused.
  g.nodes = {node("Conv", {"x", "w"}, {"c"}), node("BatchNormalization", {"c", "s", "bb", "m", "v"}, {"y"}),
             node("Relu", {"c"}, {"z"})};
  const Graph opt = check_equal(g, {{"x", random_tensor({1, 2, 5, 5}, rng)}});
  EXPECT_EQ(count_ops(opt, "BatchNormalization"), 1);
  EXPECT_EQ(count_ops(opt, "Relu"), 1);
  EXPECT_FALSE(opt.nodes[0].attrs.has("activation"));
  // A graph output is not fused away either.
  Graph g2 = g;
  g2.nodes = {node("Conv", {"x", "w"}, {"c"}), node("Relu", {"c"}, {"z"})};
  g2.outputs = {value("c", {}), value("z", {})};
  const Graph opt2 = check_equal(g2, {{"x", random_tensor({1, 2, 5, 5}, rng)}});
  EXPECT_EQ(count_ops(opt2, "Relu"), 1);
}

TEST(Fusion, EveryActivationKind) {
  std::mt19937 rng(3);
  struct Act {
    const char* op;
    Attributes attrs;
    bool clip_inputs = false;
  };
  std::vector<Act> acts(7);
  acts[0].op = "Relu";
  acts[1].op = "Clip";
  acts[1].clip_inputs = true;
  acts[2].op = "LeakyRelu";
  acts[2].attrs.set_float("alpha", 0.3f);
  acts[3].op = "HardSigmoid";
  acts[3].attrs.set_float("alpha", 0.3f);
  acts[3].attrs.set_float("beta", 0.4f);
  acts[4].op = "HardSwish";
  acts[5].op = "Sigmoid";
  acts[6].op = "Clip";  // opset-6 style attributes
  acts[6].attrs.set_float("min", -0.2f);
  acts[6].attrs.set_float("max", 0.3f);
  for (const char* producer : {"Conv", "Gemm", "MatMul"}) {
    for (const Act& a : acts) {
      Graph g;
      g.opsets[""] = 17;
      const bool conv = std::string(producer) == "Conv";
      const Shape xs = conv ? Shape{1, 3, 6, 6} : Shape{5, 7};
      g.inputs = {value("x", xs)};
      g.outputs = {value("y", {})};
      g.initializers["w"] = conv ? random_tensor({4, 3, 3, 3}, rng) : random_tensor({7, 6}, rng);
      Node act = node(a.op, {"p"}, {"y"});
      act.attrs = a.attrs;
      if (a.clip_inputs) {
        g.initializers["lo"] = Tensor::from_vector<float>({}, {-0.25f});
        g.initializers["hi"] = Tensor::from_vector<float>({}, {0.5f});
        act.inputs = {"p", "lo", "hi"};
      }
      g.nodes = {node(producer, {"x", "w"}, {"p"}), act};
      const Graph opt = check_equal(g, {{"x", random_tensor(xs, rng)}});
      ASSERT_EQ(opt.nodes.size(), 1u) << producer << "+" << a.op;
      EXPECT_TRUE(opt.nodes[0].attrs.has("activation")) << producer << "+" << a.op;
    }
  }
}

TEST(Fusion, SiluAndMatMulBias) {
  std::mt19937 rng(4);
  Graph g;
  g.opsets[""] = 17;
  g.inputs = {value("x", {2, 3, 9})};
  g.outputs = {value("y", {})};
  g.initializers["w"] = random_tensor({9, 11}, rng);
  g.initializers["bias"] = random_tensor({11}, rng);
  g.nodes = {node("MatMul", {"x", "w"}, {"mm"}), node("Add", {"bias", "mm"}, {"p"}), node("Sigmoid", {"p"}, {"s"}),
             node("Mul", {"s", "p"}, {"y"})};
  const Graph opt = check_equal(g, {{"x", random_tensor({2, 3, 9}, rng)}});
  ASSERT_EQ(opt.nodes.size(), 1u);
  EXPECT_EQ(opt.nodes[0].inputs.size(), 3u);
  EXPECT_EQ(opt.nodes[0].attrs.get_string("activation", ""), "SiLU");
}

TEST(Fusion, GemmBatchNormFolds) {
  std::mt19937 rng(5);
  for (int tb = 0; tb < 2; ++tb) {
    Graph g;
    g.opsets[""] = 17;
    g.inputs = {value("x", {4, 6})};
    g.outputs = {value("y", {})};
    g.initializers["w"] = random_tensor(tb ? Shape{5, 6} : Shape{6, 5}, rng);
    g.initializers["c"] = random_tensor({5}, rng);
    for (const char* p : {"s", "bb", "m"}) g.initializers[p] = random_tensor({5}, rng);
    g.initializers["v"] = random_tensor({5}, rng, 0.2f, 1.5f);
    Node gemm = node("Gemm", {"x", "w", "c"}, {"p"});
    gemm.attrs.set_int("transB", tb);
    gemm.attrs.set_float("beta", 0.5f);
    g.nodes = {gemm, node("BatchNormalization", {"p", "s", "bb", "m", "v"}, {"y"})};
    const Graph opt = check_equal(g, {{"x", random_tensor({4, 6}, rng)}});
    EXPECT_EQ(opt.nodes.size(), 1u);
  }
}

TEST(Fusion, FoldKeepsSharedWeights) {
  // Two Convs share "w"; only one is followed by a BN. The other must still see the original.
  std::mt19937 rng(6);
  Graph g;
  g.opsets[""] = 17;
  g.inputs = {value("x", {1, 2, 4, 4})};
  g.outputs = {value("y", {}), value("z", {})};
  g.initializers["w"] = random_tensor({3, 2, 1, 1}, rng);
  for (const char* p : {"s", "bb", "m"}) g.initializers[p] = random_tensor({3}, rng);
  g.initializers["v"] = random_tensor({3}, rng, 0.2f, 1.5f);
  g.nodes = {node("Conv", {"x", "w"}, {"c1"}), node("BatchNormalization", {"c1", "s", "bb", "m", "v"}, {"y"}),
             node("Conv", {"x", "w"}, {"z"})};
  const Graph opt = check_equal(g, {{"x", random_tensor({1, 2, 4, 4}, rng)}});
  EXPECT_EQ(count_ops(opt, "BatchNormalization"), 0);
  EXPECT_EQ(opt.initializers.count("w"), 1u);
}

// ResNet's block tail: Conv -> Add(residual) -> Relu becomes one Conv with the residual as its
// fourth input and a fused Relu, placed where the Add was (the residual's producer, a second
// Conv listed after the first, must still run before it).
TEST(Fusion, ConvResidualAddReluFolds) {
  std::mt19937 rng(11);
  Graph g;
  g.opsets[""] = 17;
  g.inputs = {value("x", {2, 4, 6, 6})};
  g.outputs = {value("y", {})};
  g.initializers["w1"] = random_tensor({6, 4, 3, 3}, rng);
  g.initializers["w2"] = random_tensor({6, 4, 1, 1}, rng);
  g.initializers["b2"] = random_tensor({6}, rng);
  Node c1 = node("Conv", {"x", "w1"}, {"c1"});
  c1.attrs.set_ints("pads", {1, 1, 1, 1});
  g.nodes = {c1, node("Conv", {"x", "w2", "b2"}, {"c2"}), node("Add", {"c2", "c1"}, {"s"}), node("Relu", {"s"}, {"y"})};
  const Graph opt = check_equal(g, {{"x", random_tensor({2, 4, 6, 6}, rng)}});
  ASSERT_EQ(opt.nodes.size(), 2u);
  EXPECT_EQ(count_ops(opt, "Add"), 0);
  EXPECT_EQ(count_ops(opt, "Relu"), 0);
  const Node& fused = opt.nodes[1];
  ASSERT_EQ(fused.inputs.size(), 4u);
  EXPECT_EQ(fused.outputs[0], "y");
  EXPECT_EQ(fused.attrs.get_string("activation", ""), "Relu");
}

TEST(Fusion, ConvOutputReadTwiceKeepsItsAdd) {
  std::mt19937 rng(12);
  Graph g;
  g.opsets[""] = 17;
  g.inputs = {value("x", {1, 2, 5, 5})};
  g.outputs = {value("y", {}), value("c", {})};
  g.initializers["w"] = random_tensor({2, 2, 1, 1}, rng);
  g.nodes = {node("Conv", {"x", "w"}, {"c"}), node("Add", {"c", "x"}, {"y"})};
  const Graph opt = check_equal(g, {{"x", random_tensor({1, 2, 5, 5}, rng)}});
  EXPECT_EQ(count_ops(opt, "Add"), 1);
}

// An inverted-residual block: [1x1 expand + act] -> depthwise + act -> 1x1 project [+ residual].
struct ChainCase {
  Shape x;               // [N, C, H, W]
  int64_t expanded;      // channels after the expansion (= C without one)
  bool expand;
  int64_t kernel, stride, pad;
  bool residual;         // Add(x, projection): needs stride 1 and as many outputs as inputs
  int64_t out_channels;
};

Graph chain_graph(const ChainCase& c, std::mt19937& rng) {
  Graph g;
  g.opsets[""] = 17;
  g.inputs = {value("x", c.x)};
  g.outputs = {value("y", {})};
  const int64_t ce = c.expanded;
  std::string dw_in = "x";
  if (c.expand) {
    g.initializers["we"] = random_tensor({ce, c.x[1], 1, 1}, rng);
    g.initializers["be"] = random_tensor({ce}, rng);
    g.initializers["lo"] = Tensor::scalar_f32(0.0f);
    g.initializers["hi"] = Tensor::scalar_f32(6.0f);
    g.nodes.push_back(node("Conv", {"x", "we", "be"}, {"e"}));
    g.nodes.push_back(node("Clip", {"e", "lo", "hi"}, {"e6"}));
    dw_in = "e6";
  }
  g.initializers["wd"] = random_tensor({ce, 1, c.kernel, c.kernel}, rng);
  g.initializers["bd"] = random_tensor({ce}, rng);
  Node dw = node("Conv", {dw_in, "wd", "bd"}, {"d"});
  dw.attrs.set_int("group", ce);
  dw.attrs.set_ints("strides", {c.stride, c.stride});
  dw.attrs.set_ints("pads", {c.pad, c.pad, c.pad, c.pad});
  g.nodes.push_back(dw);
  g.nodes.push_back(node("Relu", {"d"}, {"dr"}));
  g.initializers["wp"] = random_tensor({c.out_channels, ce, 1, 1}, rng);
  g.initializers["bp"] = random_tensor({c.out_channels}, rng);
  g.nodes.push_back(node("Conv", {"dr", "wp", "bp"}, {c.residual ? "p" : "y"}));
  if (c.residual) g.nodes.push_back(node("Add", {"x", "p"}, {"y"}));
  return g;
}

// Banded (expanded maps over 512 KB per image: several bands per image, halo rows at the band
// edges, odd sizes, batch 2, stride 2, a 5x5 window, no expansion) and unfused (small maps) runs
// of ConvChain give what the three Convs give, on 1 and 2 threads.
TEST(Fusion, ConvChainMatchesTheUnfusedBlock) {
  const std::vector<ChainCase> cases = {
      {{1, 16, 48, 48}, 64, true, 3, 1, 1, true, 16},   // banded, residual
      {{2, 12, 47, 45}, 72, true, 3, 2, 1, false, 20},  // banded, stride 2, odd sizes, two images
      {{1, 64, 49, 47}, 64, false, 3, 1, 1, false, 24}, // no expansion: the input rows are copied
      {{1, 8, 50, 50}, 64, true, 5, 2, 2, false, 16},   // 5x5 window
      {{1, 16, 46, 46}, 64, true, 3, 1, 0, false, 8},   // no padding: every band reads real rows
      {{1, 8, 10, 10}, 24, true, 3, 1, 1, true, 8},     // small: the three Conv kernels in turn
      {{3, 8, 7, 9}, 48, true, 3, 2, 1, false, 12},     // small, batch 3
  };
  ThreadPoolOptions o;
  o.threads = 2;
  ThreadPool pool(o);
  uint32_t seed = 40;
  for (const ChainCase& c : cases)
    for (ThreadPool* p : {static_cast<ThreadPool*>(nullptr), &pool}) {
      std::mt19937 rng(seed++);
      const Graph g = chain_graph(c, rng);
      SCOPED_TRACE("x " + shape_string(c.x) + " expanded " + std::to_string(c.expanded) + " kernel " +
                   std::to_string(c.kernel) + " stride " + std::to_string(c.stride));
      const Graph opt = check_equal(g, {{"x", random_tensor(c.x, rng)}}, p);
      ASSERT_EQ(opt.nodes.size(), 1u);
      EXPECT_EQ(opt.nodes[0].op_type, "ConvChain");
      EXPECT_EQ(opt.nodes[0].inputs[1].empty(), !c.expand);
      EXPECT_EQ(opt.nodes[0].inputs[7].empty(), !c.residual);
    }
}

// The chain is not fused when an intermediate has another reader, or the last Conv is not 1x1.
TEST(Fusion, ConvChainNeedsSoleReadersAndPointwiseEnds) {
  std::mt19937 rng(50);
  Graph g = chain_graph({{1, 4, 6, 6}, 8, true, 3, 1, 1, false, 4}, rng);
  g.outputs.push_back(value("dr", {}));  // the depthwise output is also a graph output
  Graph opt = check_equal(g, {{"x", random_tensor({1, 4, 6, 6}, rng)}});
  EXPECT_EQ(count_ops(opt, "ConvChain"), 0);
  Graph g2 = chain_graph({{1, 4, 6, 6}, 8, true, 3, 1, 1, false, 4}, rng);
  g2.initializers["wp"] = random_tensor({4, 8, 3, 3}, rng);  // a 3x3 "projection"
  g2.nodes.back().attrs.set_ints("pads", {1, 1, 1, 1});
  opt = check_equal(g2, {{"x", random_tensor({1, 4, 6, 6}, rng)}});
  EXPECT_EQ(count_ops(opt, "ConvChain"), 0);
}

// A small residual network: 7x7/2 stem on the 3-channel image, max pool, a bottleneck block
// (1x1, 3x3, 1x1) with a 1x1 shortcut, Add, Relu, global pool; Relu and Add as their own nodes
// (use_nchwc_fp32 alone) or fused into the convolutions (optimize_graph).
Graph residual_net(std::mt19937& rng) {
  Graph g;
  g.opsets[""] = 17;
  g.inputs = {value("x", {2, 3, 21, 19})};
  g.outputs = {value("y", {}), value("mid", {})};
  auto conv = [&](const std::string& in, const std::string& out, int64_t cin, int64_t cout, int64_t k, int64_t s) {
    g.initializers["w_" + out] = random_tensor({cout, cin, k, k}, rng, -0.3f, 0.3f);
    g.initializers["b_" + out] = random_tensor({cout}, rng);
    Node n = node("Conv", {in, "w_" + out, "b_" + out}, {out});
    n.attrs.set_ints("strides", {s, s});
    n.attrs.set_ints("pads", {k / 2, k / 2, k / 2, k / 2});
    g.nodes.push_back(n);
  };
  conv("x", "stem", 3, 16, 7, 2);
  g.nodes.push_back(node("Relu", {"stem"}, {"stem_r"}));
  Node pool = node("MaxPool", {"stem_r"}, {"pool"});
  pool.attrs.set_ints("kernel_shape", {3, 3});
  pool.attrs.set_ints("strides", {2, 2});
  pool.attrs.set_ints("pads", {1, 1, 1, 1});
  g.nodes.push_back(pool);
  conv("pool", "a", 16, 32, 1, 1);
  g.nodes.push_back(node("Relu", {"a"}, {"mid"}));  // also a graph output
  conv("mid", "b", 32, 32, 3, 1);
  g.nodes.push_back(node("Relu", {"b"}, {"b_r"}));
  conv("b_r", "c", 32, 64, 1, 1);
  conv("pool", "s", 16, 64, 1, 1);
  g.nodes.push_back(node("Add", {"c", "s"}, {"sum"}));
  g.nodes.push_back(node("Relu", {"sum"}, {"sum_r"}));
  g.nodes.push_back(node("GlobalAveragePool", {"sum_r"}, {"y"}));
  return g;
}

// use_nchwc_fp32 on any CPU (the plain kernel where there is no AVX-512): every Conv blocked,
// the stem reading the NCHW image in place, one layout change back (for the graph output in
// the middle), the same outputs.
TEST(NchwcLayout, ResidualNetworkInBlockedLayout) {
  std::mt19937 rng(60);
  const Graph g = residual_net(rng);
  ThreadPoolOptions o;
  o.threads = 2;
  ThreadPool pool(o);
  const Graph opt = check_equal(g, {{"x", random_tensor({2, 3, 21, 19}, rng)}}, &pool, use_nchwc_fp32);
  EXPECT_EQ(count_ops(opt, "NchwcConv"), 5);
  EXPECT_EQ(count_ops(opt, "Conv"), 0);
  EXPECT_EQ(count_ops(opt, "NchwcMaxPool"), 1);
  EXPECT_EQ(count_ops(opt, "NchwcGlobalAveragePool"), 1);
  EXPECT_EQ(count_ops(opt, "ReorderToNchwc"), 0);
  EXPECT_EQ(count_ops(opt, "ReorderFromNchwc"), 1);
  for (const Node& n : opt.nodes)
    if (n.op_type == "NchwcConv") EXPECT_EQ(n.attrs.get_int("nchw_input", 0), n.inputs[0] == "x" ? 1 : 0) << n.name;
}

// Through optimize_graph: with AVX-512 the pass runs after the fusions (Relu and the residual
// Add inside the blocked convolutions); elsewhere the graph stays NCHW.
TEST(NchwcLayout, AfterTheFusions) {
  std::mt19937 rng(61);
  const Graph g = residual_net(rng);
  const Graph opt = check_equal(g, {{"x", random_tensor({2, 3, 21, 19}, rng)}});
  const bool blocked = kernels::has_avx512(kernels::active().isa);
  EXPECT_EQ(count_ops(opt, "NchwcConv"), blocked ? 5 : 0);
  EXPECT_EQ(count_ops(opt, "Add"), 0);
  EXPECT_EQ(count_ops(opt, "Relu"), 0);
}

// A graph with a depthwise convolution is left alone (the blocked chain would break around it);
// a first convolution with 16+ input channels gets its input reordered.
TEST(NchwcLayout, OnlyWholeChains) {
  std::mt19937 rng(62);
  Graph g;
  g.opsets[""] = 17;
  g.inputs = {value("x", {1, 32, 6, 6})};
  g.outputs = {value("y", {})};
  g.initializers["w1"] = random_tensor({32, 32, 1, 1}, rng);
  g.initializers["dw"] = random_tensor({32, 1, 3, 3}, rng);
  Node dw = node("Conv", {"a", "dw"}, {"y"});
  dw.attrs.set_int("group", 32);
  dw.attrs.set_ints("pads", {1, 1, 1, 1});
  g.nodes = {node("Conv", {"x", "w1"}, {"a"}), dw};
  Graph opt = check_equal(g, {{"x", random_tensor({1, 32, 6, 6}, rng)}}, nullptr, use_nchwc_fp32);
  EXPECT_EQ(count_ops(opt, "Conv"), 2);
  g.nodes.pop_back();
  g.outputs = {value("a", {})};
  opt = check_equal(g, {{"x", random_tensor({1, 32, 6, 6}, rng)}}, nullptr, use_nchwc_fp32);
  EXPECT_EQ(count_ops(opt, "ReorderToNchwc"), 1);
  EXPECT_EQ(count_ops(opt, "NchwcConv"), 1);
  EXPECT_EQ(count_ops(opt, "ReorderFromNchwc"), 1);
}

}  // namespace
}  // namespace coreinfer::nntest
