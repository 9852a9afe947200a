// fuse_embedding_bags (declared in passes.h): Gather + ReduceSum/ReduceMean -> coreinfer::EmbeddingBag.
#include <unordered_map>

#include "graph/pass_util.h"
#include "graph/passes.h"

namespace coreinfer {

namespace {

// The reduce node's axes (attribute before opset 13 for ReduceSum / 18 for ReduceMean, else a
// constant second input); empty when they cannot be known at load time.
std::vector<int64_t> reduce_axes(const Node& reduce, const Graph& graph) {
  if (reduce.attrs.has("axes")) return reduce.attrs.get_ints("axes");
  if (reduce.inputs.size() > 1 && !reduce.inputs[1].empty()) {
    auto it = graph.initializers.find(reduce.inputs[1]);
    if (it != graph.initializers.end()) {
      auto v = it->second.to_int64_vector();
      if (v.is_ok()) return *v;
    }
  }
  return {};
}

}  // namespace

void fuse_embedding_bags(Graph& graph) {
  std::unordered_map<std::string, int> readers;
  for (const Node& n : graph.nodes)
    for (const std::string& in : n.inputs) ++readers[in];
  for (const ValueInfo& o : graph.outputs) readers[o.name] += 2;
  std::unordered_map<std::string, size_t> gather_of;  // gathered value -> Gather node index
  for (size_t i = 0; i < graph.nodes.size(); ++i) {
    const Node& n = graph.nodes[i];
    if (n.domain.empty() && n.op_type == "Gather" && n.attrs.get_int("axis", 0) == 0 && n.inputs.size() == 2 &&
        n.outputs.size() == 1 && readers[n.outputs[0]] == 1)
      gather_of[n.outputs[0]] = i;
  }
  std::vector<bool> drop(graph.nodes.size(), false);
  for (Node& n : graph.nodes) {
    if (!n.domain.empty() || (n.op_type != "ReduceSum" && n.op_type != "ReduceMean") || n.inputs.empty()) continue;
    auto g = gather_of.find(n.inputs[0]);
    if (g == gather_of.end()) continue;
    const Node& gather = graph.nodes[g->second];
    // The ids' rank must be known to check that the reduced axis is the bag axis.
    const ValueInfo* ids_info = nullptr;
    for (const ValueInfo& in : graph.inputs)
      if (in.name == gather.inputs[1]) ids_info = &in;
    auto vi = graph.value_info.find(gather.inputs[1]);
    if (ids_info == nullptr && vi != graph.value_info.end()) ids_info = &vi->second;
    auto init = graph.initializers.find(gather.inputs[1]);
    int64_t ids_rank = -1;
    if (ids_info && ids_info->has_shape) ids_rank = static_cast<int64_t>(ids_info->shape.size());
    else if (init != graph.initializers.end()) ids_rank = init->second.rank();
    const std::vector<int64_t> axes = reduce_axes(n, graph);
    if (ids_rank < 1 || axes.size() != 1) continue;
    auto table = graph.initializers.find(gather.inputs[0]);
    if (table == graph.initializers.end() || table->second.rank() < 1) continue;
    const int64_t out_rank = ids_rank + table->second.rank() - 1;
    const int64_t axis = axes[0] < 0 ? axes[0] + out_rank : axes[0];
    if (axis != ids_rank - 1 || n.attrs.get_int("noop_with_empty_axes", 0) != 0) continue;
    Node fused;
    fused.name = n.name + "_embedding_bag";
    fused.op_type = "EmbeddingBag";
    fused.domain = kCoreinferOpDomain;
    fused.inputs = {gather.inputs[0], gather.inputs[1]};
    fused.outputs = n.outputs;
    fused.attrs.set_string("mode", n.op_type == "ReduceSum" ? "sum" : "mean");
    fused.attrs.set_int("keepdims", n.attrs.get_int("keepdims", 1));
    drop[g->second] = true;
    n = std::move(fused);
  }
  erase_flagged_nodes(graph, drop);
  use_coreinfer_domain(graph);
}

}  // namespace coreinfer
