// use_channels_last_int8 (declared in passes.h): the 8-bit convolution chain in NHWC. Every 2-D
// QLinearConv with constant weights becomes com.microsoft's QLinearConv with channels_last = 1;
// QLinearAdd / QLinearMul whose two inputs are both channels-last (broadcasting alike in either
// layout: both are 4-D), QLinearSigmoid / QLinearLeakyRelu and QLinearGlobalAveragePool of a
// channels-last input follow (a squeeze-and-excitation block stays channels-last).
// The layout changes only at the chain's edges: a Transpose into NHWC where the chain starts,
// unless its first convolution is not depthwise (then coreinfer's QLinearConv with
// nchw_input = 1 gathers its windows from the NCHW planes), and one back where something else
// reads a value. A Shape of a channels-last value, or of its DequantizeLinear (exporters take
// the batch size that way), reads the NHWC value's shape, permuted back, instead of a copy.
#include <string>
#include <unordered_map>
#include <vector>

#include "graph/pass_util.h"
#include "graph/passes.h"

namespace coreinfer {
namespace {

constexpr const char* kMs = "com.microsoft";

// A 2-D QLinearConv with constant weights: the weights, or nullptr.
const Tensor* conv_weights(const Graph& g, const Node& n) {
  if (!(n.domain.empty() || n.domain == kMs) || n.op_type != "QLinearConv") return nullptr;
  if (n.attrs.get_int("channels_last", 0) != 0 || n.inputs.size() < 8 || n.outputs.size() != 1) return nullptr;
  auto w = g.initializers.find(n.inputs[3]);
  return w != g.initializers.end() && w->second.rank() == 4 ? &w->second : nullptr;
}

bool is_binary(const Node& n) {
  return n.domain == kMs && (n.op_type == "QLinearAdd" || n.op_type == "QLinearMul") && n.inputs.size() >= 7 &&
         n.outputs.size() == 1;
}

// Element-wise on one 8-bit tensor (input 0).
bool is_unary(const Node& n) {
  return n.domain == kMs && (n.op_type == "QLinearSigmoid" || n.op_type == "QLinearLeakyRelu") && !n.inputs.empty() &&
         n.outputs.size() == 1;
}

bool is_global_pool(const Node& n) {
  return n.domain == kMs && n.op_type == "QLinearGlobalAveragePool" && n.attrs.get_int("channels_last", 0) == 0 &&
         !n.inputs.empty() && n.outputs.size() == 1;
}

bool is_plain_shape(const Node& n) {
  return n.domain.empty() && n.op_type == "Shape" && n.inputs.size() == 1 && n.outputs.size() == 1 &&
         !n.attrs.has("start") && !n.attrs.has("end");
}

Node transpose(const std::string& from, const std::string& to, std::vector<int64_t> perm) {
  Node t;
  t.name = to + "/layout";
  t.op_type = "Transpose";
  t.inputs = {from};
  t.outputs = {to};
  t.attrs.set_ints("perm", std::move(perm));
  return t;
}

}  // namespace

void use_channels_last_int8(Graph& graph) {
  std::vector<Node> out;
  out.reserve(graph.nodes.size());
  LayoutChain nhwc(
      graph, "/nhwc", [](const std::string& from, const std::string& to) { return transpose(from, to, {0, 2, 3, 1}); },
      [](const std::string& from, const std::string& to) { return transpose(from, to, {0, 3, 1, 2}); }, out);
  // the input of each DequantizeLinear's output (same shape)
  std::unordered_map<std::string, std::string> dequantized_from;
  for (const Node& n : graph.nodes)
    if (n.domain.empty() && n.op_type == "DequantizeLinear" && !n.inputs.empty() && n.outputs.size() == 1)
      dequantized_from[n.outputs[0]] = n.inputs[0];
  std::string nchw_axes;  // initializer {0, 3, 1, 2}: the NCHW dims from an NHWC shape
  bool any = false;
  for (Node& n : graph.nodes) {
    if (const Tensor* w = conv_weights(graph, n)) {
      const bool depthwise = w->dim(1) == 1 && n.attrs.get_int("group", 1) == w->dim(0);
      if (!nhwc.has(n.inputs[0]) && !depthwise) {  // gathers its windows from the NCHW input
        n.domain = kCoreinferOpDomain;
        n.attrs.set_int("nchw_input", 1);
        use_coreinfer_domain(graph);
      } else {
        n.inputs[0] = nhwc.to_layout(n.inputs[0]);
        n.domain = kMs;
      }
      n.attrs.set_int("channels_last", 1);
      nhwc.produce(n);
      any = true;
    } else if (is_binary(n) && nhwc.has(n.inputs[0]) && nhwc.has(n.inputs[3])) {
      n.inputs[0] = nhwc.copy(n.inputs[0]);
      n.inputs[3] = nhwc.copy(n.inputs[3]);
      nhwc.produce(n);
    } else if (is_unary(n) && nhwc.has(n.inputs[0])) {
      n.inputs[0] = nhwc.copy(n.inputs[0]);
      nhwc.produce(n);
    } else if (is_global_pool(n) && nhwc.has(n.inputs[0])) {
      n.inputs[0] = nhwc.copy(n.inputs[0]);
      n.attrs.set_int("channels_last", 1);
      nhwc.produce(n);
    } else if (is_plain_shape(n) && (nhwc.produced(n.inputs[0]) || (dequantized_from.count(n.inputs[0]) &&
                                                                     nhwc.produced(dequantized_from[n.inputs[0]])))) {
      const std::string v = nhwc.produced(n.inputs[0]) ? n.inputs[0] : dequantized_from[n.inputs[0]];
      if (nchw_axes.empty()) {
        nchw_axes = nhwc.fresh("nchw_axes");
        graph.initializers[nchw_axes] = Tensor::from_vector<int64_t>({4}, {0, 3, 1, 2});
      }
      const std::string shape = nhwc.fresh(n.outputs[0]);
      Node gather;
      gather.name = n.name + "/nchw";
      gather.op_type = "Gather";
      gather.inputs = {shape, nchw_axes};
      gather.outputs = {n.outputs[0]};
      n.inputs[0] = nhwc.copy(v);
      n.outputs[0] = shape;
      out.push_back(std::move(n));
      out.push_back(std::move(gather));
      continue;
    } else {
      for (const std::string& in : n.inputs) nhwc.to_plain(in);
    }
    out.push_back(std::move(n));
  }
  for (const ValueInfo& o : graph.outputs) nhwc.to_plain(o.name);
  graph.nodes = std::move(out);
  if (any && !graph.opsets.count(kMs)) graph.opsets[kMs] = 1;
}

}  // namespace coreinfer
