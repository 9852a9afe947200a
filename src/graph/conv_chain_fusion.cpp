// fuse_conv_chains (declared in passes.h): [pointwise Conv ->] depthwise Conv -> pointwise Conv
// [+ Z] -> coreinfer::ConvChain (src/graph/ops/nn/conv_chain.cpp).
#include <string>
#include <unordered_map>
#include <vector>

#include "graph/pass_util.h"
#include "graph/passes.h"

namespace coreinfer {
namespace {

bool is_conv(const Node& n) { return n.domain.empty() && n.op_type == "Conv" && n.outputs.size() == 1; }

const Tensor* initializer(const Graph& g, const Node& n, size_t i) {
  if (i >= n.inputs.size() || n.inputs[i].empty()) return nullptr;
  auto it = g.initializers.find(n.inputs[i]);
  return it == g.initializers.end() || it->second.type() != ElemType::kFloat ? nullptr : &it->second;
}

bool all_equal(const std::vector<int64_t>& v, int64_t value) {
  for (int64_t x : v)
    if (x != value) return false;
  return true;
}

// Constant 4-D weights and (absent or constant 1-D) bias; the weight tensor, or nullptr.
const Tensor* constant_weights(const Graph& g, const Node& n) {
  const Tensor* w = initializer(g, n, 1);
  if (!w || w->rank() != 4) return nullptr;
  const bool bias_ok = n.inputs.size() < 3 || n.inputs[2].empty() || initializer(g, n, 2) != nullptr;
  return bias_ok ? w : nullptr;
}

// A 1x1 Conv, stride 1, no padding, one group, constant weights: W, or nullptr.
const Tensor* pointwise_weights(const Graph& g, const Node& n) {
  if (!is_conv(n) || n.attrs.get_int("group", 1) != 1) return nullptr;
  const std::string pad = n.attrs.get_string("auto_pad", "NOTSET");
  if ((pad != "NOTSET" && pad != "VALID") || !all_equal(n.attrs.get_ints("strides"), 1) ||
      !all_equal(n.attrs.get_ints("pads"), 0))
    return nullptr;
  const Tensor* w = constant_weights(g, n);
  return w && w->dim(2) == 1 && w->dim(3) == 1 ? w : nullptr;
}

void copy_attrs(const Attributes& from, const std::string& prefix, Attributes& to) {
  for (const auto& [name, value] : from.all()) to.set(prefix + name, value);
}

}  // namespace

void fuse_conv_chains(Graph& graph) {
  std::unordered_map<std::string, size_t> producer;
  std::unordered_map<std::string, int> readers;
  for (size_t i = 0; i < graph.nodes.size(); ++i) {
    for (const std::string& out : graph.nodes[i].outputs) producer[out] = i;
    for (const std::string& in : graph.nodes[i].inputs) ++readers[in];
  }
  for (const ValueInfo& o : graph.outputs) readers[o.name] += 2;
  // A value read once, by `reader`'s input 0, and produced by a Conv: that Conv's index, or -1.
  auto sole_conv_producer = [&](const Node& reader) -> int64_t {
    if (reader.inputs.empty() || readers[reader.inputs[0]] != 1) return -1;
    auto it = producer.find(reader.inputs[0]);
    return it != producer.end() && is_conv(graph.nodes[it->second]) ? static_cast<int64_t>(it->second) : -1;
  };

  std::vector<bool> drop(graph.nodes.size(), false);
  for (size_t pi = 0; pi < graph.nodes.size(); ++pi) {
    Node& p = graph.nodes[pi];
    if (drop[pi] || p.inputs.size() > 4) continue;
    const Tensor* wp = pointwise_weights(graph, p);
    const int64_t di = wp ? sole_conv_producer(p) : -1;
    if (di < 0 || drop[di]) continue;
    const Node& d = graph.nodes[static_cast<size_t>(di)];
    const Tensor* wd = d.inputs.size() <= 3 ? constant_weights(graph, d) : nullptr;
    if (!wd || wd->dim(1) != 1 || wd->dim(0) != wp->dim(1) || d.attrs.get_int("group", 1) != wd->dim(0)) continue;
    const int64_t ei = sole_conv_producer(d);
    const Tensor* we = ei >= 0 && !drop[ei] && graph.nodes[ei].inputs.size() <= 3
                           ? pointwise_weights(graph, graph.nodes[static_cast<size_t>(ei)])
                           : nullptr;
    const bool expand = we != nullptr && we->dim(0) == wd->dim(0);

    Node fused;
    fused.name = p.name;
    fused.op_type = "ConvChain";
    fused.domain = kCoreinferOpDomain;
    auto input = [](const Node& n, size_t i) { return i < n.inputs.size() ? n.inputs[i] : std::string(); };
    const Node* e = expand ? &graph.nodes[static_cast<size_t>(ei)] : nullptr;
    fused.inputs = {e ? input(*e, 0) : input(d, 0), e ? input(*e, 1) : "", e ? input(*e, 2) : "",
                    input(d, 1),  input(d, 2),  input(p, 1), input(p, 2), input(p, 3)};
    fused.outputs = p.outputs;
    for (const char* a : {"activation", "activation_params"})
      if (const Attribute* v = p.attrs.find(a)) fused.attrs.set(a, *v);
    copy_attrs(d.attrs, "dw_", fused.attrs);
    if (e)
      for (const char* a : {"activation", "activation_params"})
        if (const Attribute* v = e->attrs.find(a)) fused.attrs.set(std::string("expand_") + a, *v);
    p = std::move(fused);
    drop[static_cast<size_t>(di)] = true;
    if (e) drop[static_cast<size_t>(ei)] = true;
  }
  erase_flagged_nodes(graph, drop);
  use_coreinfer_domain(graph);
}

}  // namespace coreinfer
