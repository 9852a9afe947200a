// use_channels_last_int8 (passes.h) on the int8 MobileNetV2: the whole convolution chain in NHWC
// with one layout change at each edge, and outputs bit-identical to the NCHW graph (integer sums
// and the same requantisation either way). On CPUs without the NHWC kernels the channels-last
// convolutions run the NCHW path between layout changes, so this checks that path there.
#include <gtest/gtest.h>

#include <cstring>
#include <random>

#include "formats/onnx/onnx_model.h"
#include "formats/onnx/onnx_tensor_io.h"
#include "graph/ops/register.h"
#include "graph/passes.h"
#include "graph/session.h"
#include "support/test_support.h"
#include "../graph/graph_builders.h"

namespace coreinfer {
namespace {

using testing::data_path;

int count_ops(const Graph& g, const std::string& op) {
  int n = 0;
  for (const Node& node : g.nodes) n += node.op_type == op;
  return n;
}

std::vector<Tensor> run_graph(Graph g, const NamedTensor& feed, int threads) {
  SessionOptions o;
  o.optimize = false;
  o.threads = threads;
  auto s = Session::create(std::move(g), default_op_registry(), o);
  EXPECT_TRUE(s.is_ok()) << s.status().to_string();
  if (!s.is_ok()) return {};
  auto out = (*s)->run({feed});
  EXPECT_TRUE(out.is_ok()) << out.status().to_string();
  return out.is_ok() ? *out : std::vector<Tensor>{};
}

TEST(Int8Layout, MobileNetV2ChannelsLastIsBitIdentical) {
  const std::string dir = data_path("onnx/mobilenetv2-12-int8");
  auto loaded = load_onnx_model(dir + "/model.onnx");
  ASSERT_TRUE(loaded.is_ok()) << loaded.status().to_string();
  auto input = read_tensor_file(dir + "/test_data_set_0/input_0.pb");
  ASSERT_TRUE(input.is_ok()) << input.status().to_string();
  Graph nchw = *loaded;
  ASSERT_TRUE(topological_sort(nchw).is_ok());
  Graph nhwc = nchw;
  use_channels_last_int8(nhwc);
  remove_dead_nodes(nhwc);
  int convs = 0;
  for (const Node& n : nhwc.nodes) {
    if (n.op_type != "QLinearConv") continue;
    // the stem reads the NCHW input in place, the others NHWC
    EXPECT_EQ(n.domain, convs == 0 ? "coreinfer" : "com.microsoft") << n.name;
    EXPECT_EQ(n.attrs.get_int("nchw_input", 0), convs == 0 ? 1 : 0) << n.name;
    EXPECT_EQ(n.attrs.get_int("channels_last", 0), 1) << n.name;
    ++convs;
  }
  EXPECT_EQ(convs, count_ops(nchw, "QLinearConv"));
  EXPECT_GT(convs, 50);
  // one layout change, after the global pool; the batch size the model takes from the last
  // convolution's output is read from its NHWC shape
  EXPECT_EQ(count_ops(nhwc, "Transpose"), count_ops(nchw, "Transpose") + 1);
  NamedTensor feed{nchw.inputs[0].name, input->second};
  for (int threads : {1, 2}) {
    SCOPED_TRACE("threads " + std::to_string(threads));
    const std::vector<Tensor> want = run_graph(nchw, feed, threads), got = run_graph(nhwc, feed, threads);
    ASSERT_EQ(got.size(), want.size());
    ASSERT_FALSE(want.empty());
    for (size_t i = 0; i < want.size(); ++i) {
      ASSERT_EQ(got[i].shape(), want[i].shape());
      ASSERT_EQ(got[i].type(), want[i].type());
      EXPECT_EQ(0, std::memcmp(got[i].raw(), want[i].raw(), want[i].bytes())) << "output " << i;
    }
  }
}

// A value the chain produces and something else reads (here a graph output in the middle of the
// chain) is converted back once, under its own name.
TEST(Int8Layout, ValuesReadOutsideTheChainAreConvertedBack) {
  auto loaded = load_onnx_model(data_path("onnx/mobilenetv2-12-int8/model.onnx"));
  ASSERT_TRUE(loaded.is_ok()) << loaded.status().to_string();
  Graph g = *loaded;
  ASSERT_TRUE(topological_sort(g).is_ok());
  std::string mid;
  for (const Node& n : g.nodes)
    if (n.op_type == "QLinearConv") mid = n.outputs[0];  // the last convolution's output
  ASSERT_FALSE(mid.empty());
  g.outputs.push_back(ValueInfo{mid, ElemType::kUint8, {}, {}, false});
  use_channels_last_int8(g);
  int producers = 0;
  for (const Node& n : g.nodes)
    for (const std::string& o : n.outputs)
      if (o == mid) {
        ++producers;
        EXPECT_EQ(n.op_type, "Transpose");
        EXPECT_EQ(n.attrs.get_ints("perm"), (std::vector<int64_t>{0, 3, 1, 2}));
      }
  EXPECT_EQ(producers, 1);
}

// A squeeze-and-excitation block (MobileNetV3's): conv -> global pool -> 1x1 conv -> sigmoid,
// the conv's output scaled by it through a broadcasting QLinearMul, then a depthwise and a 1x1
// conv. All of it channels-last, the one layout change at the output, bit-identical to NCHW.
TEST(Int8Layout, SqueezeExcitationBlockStaysChannelsLast) {
  Graph g;
  g.opsets = {{"", 13}, {"com.microsoft", 1}};
  std::mt19937 rng(5);
  auto u8 = [&](Shape s) {
    std::vector<uint8_t> v(static_cast<size_t>(shape_numel(s)));
    for (auto& b : v) b = static_cast<uint8_t>(rng() % 256);
    return Tensor::from_vector<uint8_t>(std::move(s), v);
  };
  auto i8 = [&](Shape s) {
    std::vector<int8_t> v(static_cast<size_t>(shape_numel(s)));
    for (auto& b : v) b = static_cast<int8_t>(static_cast<int>(rng() % 61) - 30);
    return Tensor::from_vector<int8_t>(std::move(s), v);
  };
  g.initializers["s"] = Tensor::scalar_f32(0.02f);
  g.initializers["z"] = Tensor::from_vector<uint8_t>({}, {128});
  g.initializers["ws"] = Tensor::scalar_f32(0.01f);
  g.initializers["wz"] = Tensor::from_vector<int8_t>({}, {0});
  g.initializers["w1"] = i8({16, 8, 1, 1});
  g.initializers["w2"] = i8({16, 16, 1, 1});
  g.initializers["w3"] = i8({16, 1, 3, 3});
  g.initializers["w4"] = i8({8, 16, 1, 1});
  auto conv = [&](const std::string& x, const std::string& w, const std::string& y, int64_t group) {
    Node n = testing::make_node("QLinearConv", {x, "s", "z", w, "ws", "wz", "s", "z"}, {y});
    n.attrs.set_int("group", group);
    if (group > 1) n.attrs.set_ints("pads", {1, 1, 1, 1});
    return n;
  };
  auto ms = [](Node n) {
    n.domain = "com.microsoft";
    return n;
  };
  g.nodes.push_back(conv("x", "w1", "a", 1));
  g.nodes.push_back(ms(testing::make_node("QLinearGlobalAveragePool", {"a", "s", "z", "s", "z"}, {"p"})));
  g.nodes.push_back(conv("p", "w2", "q", 1));
  g.nodes.push_back(ms(testing::make_node("QLinearSigmoid", {"q", "s", "z", "s", "z"}, {"e"})));
  g.nodes.push_back(ms(testing::make_node("QLinearMul", {"a", "s", "z", "e", "s", "z", "s", "z"}, {"m"})));
  g.nodes.push_back(conv("m", "w3", "d", 16));
  g.nodes.push_back(conv("d", "w4", "y", 1));
  g.inputs = {testing::value("x", ElemType::kUint8, {2, 8, 6, 7})};
  g.outputs = {testing::value("y", ElemType::kUint8)};
  Graph nhwc = g;
  use_channels_last_int8(nhwc);
  for (const Node& n : nhwc.nodes) {
    if (n.op_type == "QLinearConv" || n.op_type == "QLinearGlobalAveragePool") {
      EXPECT_EQ(n.attrs.get_int("channels_last", 0), 1) << n.name;
    }
  }
  // the sigmoid and the broadcasting Mul follow (else Transposes back would appear around them)
  EXPECT_EQ(count_ops(nhwc, "Transpose"), 1);
  const NamedTensor feed{"x", u8({2, 8, 6, 7})};
  for (int threads : {1, 2}) {
    const std::vector<Tensor> want = run_graph(g, feed, threads), got = run_graph(nhwc, feed, threads);
    ASSERT_EQ(want.size(), 1u);
    ASSERT_EQ(got.size(), 1u);
    ASSERT_EQ(got[0].shape(), (Shape{2, 8, 6, 7}));
    EXPECT_EQ(0, std::memcmp(got[0].raw(), want[0].raw(), want[0].bytes()));
  }
}

}  // namespace
}  // namespace coreinfer
