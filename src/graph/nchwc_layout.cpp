// use_nchwc_fp32 (declared in passes.h): float convolution networks in the blocked layout
// NCHWc, 16 channels a block ([N, C/16, H, W, 16]), as ONNX Runtime's NCHWc transformer does.
// Every Conv with constant weights, group 1 and a multiple of 16 output channels becomes
// coreinfer::NchwcConv; MaxPool, element-wise activations and binary ops of two blocked values
// follow; GlobalAveragePool of a blocked value writes the plain [N, C, 1, 1] result (the same
// bytes). Values change layout only at the chain's edges: a convolution with fewer than 16
// input channels (an image) reads the NCHW input in place; one with more gets a ReorderToNchwc;
// a ReorderFromNchwc is added where anything else reads a blocked value.
//
// The pass runs only on graphs whose every convolution converts (no depthwise, grouped or
// transposed ones, which have no blocked kernel): converting part of a network would add a
// layout change around each layer left out.
#include <string>
#include <unordered_set>
#include <vector>

#include "graph/pass_util.h"
#include "graph/passes.h"

namespace coreinfer {
namespace {

constexpr int64_t kBlock = 16;

bool is_op(const Node& n, const char* op) { return n.domain.empty() && n.op_type == op; }

// The weights of a Conv the blocked kernel runs, or nullptr.
const Tensor* convertible_conv(const Graph& g, const Node& n) {
  if (!is_op(n, "Conv") || n.inputs.size() < 2 || n.outputs.size() != 1) return nullptr;
  if (n.attrs.get_int("group", 1) != 1) return nullptr;
  auto w = g.initializers.find(n.inputs[1]);
  if (w == g.initializers.end() || w->second.type() != ElemType::kFloat || w->second.rank() != 4) return nullptr;
  if (w->second.dim(0) % kBlock != 0 || w->second.dim(0) == 0) return nullptr;
  return &w->second;
}

// Convolutions of any kind that the blocked kernel does not run.
bool is_other_conv(const Graph& g, const Node& n) {
  if (n.op_type == "ConvChain" || n.op_type == "ConvTranspose" || n.op_type == "ConvInteger") return true;
  return is_op(n, "Conv") && convertible_conv(g, n) == nullptr;
}

bool is_unary(const Node& n) {
  static const std::unordered_set<std::string> kOps = {"Relu", "LeakyRelu", "Clip", "Sigmoid", "Tanh",
                                                       "HardSigmoid", "HardSwish", "Elu", "Selu", "Softplus"};
  return n.domain.empty() && kOps.count(n.op_type) && !n.inputs.empty() && n.outputs.size() == 1;
}

bool is_binary(const Node& n) {
  static const std::unordered_set<std::string> kOps = {"Add", "Sub", "Mul", "Div", "Max", "Min", "Sum"};
  return n.domain.empty() && kOps.count(n.op_type) && n.inputs.size() == 2 && n.outputs.size() == 1;
}

bool is_max_pool(const Node& n) {
  return is_op(n, "MaxPool") && n.inputs.size() == 1 && (n.outputs.size() == 1 || n.outputs[1].empty()) &&
         n.attrs.get_ints("kernel_shape").size() == 2;
}

}  // namespace

void use_nchwc_fp32(Graph& graph) {
  bool any = false;
  for (const Node& n : graph.nodes) {
    if (is_other_conv(graph, n)) return;
    any = any || convertible_conv(graph, n) != nullptr;
  }
  if (!any) return;

  std::vector<Node> out;
  out.reserve(graph.nodes.size());
  auto reorder = [](const char* op) {
    return [op](const std::string& from, const std::string& to) {
      Node r;
      r.name = to + "/reorder";
      r.domain = kCoreinferOpDomain;
      r.op_type = op;
      r.inputs = {from};
      r.outputs = {to};
      return r;
    };
  };
  LayoutChain blocked(graph, "/nchwc", reorder("ReorderToNchwc"), reorder("ReorderFromNchwc"), out);
  for (Node& n : graph.nodes) {
    const Tensor* w = convertible_conv(graph, n);
    const bool has_z = n.inputs.size() > 3 && !n.inputs[3].empty();
    if (w && (!has_z || blocked.has(n.inputs[3]))) {
      if (blocked.has(n.inputs[0])) {
        n.inputs[0] = blocked.copy(n.inputs[0]);
      } else if (w->dim(1) % kBlock == 0) {
        n.inputs[0] = blocked.to_layout(n.inputs[0]);
      } else {
        n.attrs.set_int("nchw_input", 1);
      }
      if (has_z) n.inputs[3] = blocked.copy(n.inputs[3]);
      n.domain = kCoreinferOpDomain;
      n.op_type = "NchwcConv";
      blocked.produce(n);
    } else if (is_max_pool(n) && blocked.has(n.inputs[0])) {
      n.inputs[0] = blocked.copy(n.inputs[0]);
      n.outputs.resize(1);
      n.domain = kCoreinferOpDomain;
      n.op_type = "NchwcMaxPool";
      blocked.produce(n);
    } else if (is_op(n, "GlobalAveragePool") && n.inputs.size() == 1 && blocked.has(n.inputs[0])) {
      n.inputs[0] = blocked.copy(n.inputs[0]);
      n.domain = kCoreinferOpDomain;
      n.op_type = "NchwcGlobalAveragePool";  // its output is plain NCHW
    } else if (is_unary(n) && blocked.has(n.inputs[0])) {
      n.inputs[0] = blocked.copy(n.inputs[0]);
      for (size_t i = 1; i < n.inputs.size(); ++i) blocked.to_plain(n.inputs[i]);
      blocked.produce(n);
    } else if (is_binary(n) && blocked.has(n.inputs[0]) && blocked.has(n.inputs[1])) {
      n.inputs[0] = blocked.copy(n.inputs[0]);
      n.inputs[1] = blocked.copy(n.inputs[1]);
      blocked.produce(n);
    } else {
      for (const std::string& in : n.inputs) blocked.to_plain(in);
    }
    out.push_back(std::move(n));
  }
  for (const ValueInfo& o : graph.outputs) blocked.to_plain(o.name);
  graph.nodes = std::move(out);
  use_coreinfer_domain(graph);
}

}  // namespace coreinfer
