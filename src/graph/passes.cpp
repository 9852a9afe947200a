#include "graph/passes.h"

#include <algorithm>
#include <unordered_map>
#include <unordered_set>

#include "kernels/kernel_table.h"

namespace coreinfer {

Status topological_sort(Graph& graph) {
  std::unordered_map<std::string, size_t> producer;
  for (size_t i = 0; i < graph.nodes.size(); ++i)
    for (const std::string& o : graph.nodes[i].outputs)
      if (!o.empty()) {
        if (producer.count(o)) return corrupt("value '" + o + "' is produced by more than one node");
        producer[o] = i;
      }
  std::unordered_set<std::string> available;
  for (const ValueInfo& vi : graph.inputs) available.insert(vi.name);
  for (const auto& [name, t] : graph.initializers) available.insert(name);

  std::vector<int> state(graph.nodes.size(), 0);  // 0 new, 1 on the stack, 2 done
  std::vector<Node> sorted;
  sorted.reserve(graph.nodes.size());
  // Iterative DFS (a deep chain of nodes must not overflow the stack).
  for (size_t root = 0; root < graph.nodes.size(); ++root) {
    if (state[root]) continue;
    std::vector<std::pair<size_t, size_t>> stack{{root, 0}};
    state[root] = 1;
    while (!stack.empty()) {
      auto& [n, next] = stack.back();
      const Node& node = graph.nodes[n];
      if (next < node.inputs.size()) {
        const std::string& in = node.inputs[next++];
        if (in.empty() || available.count(in)) continue;
        auto it = producer.find(in);
        if (it == producer.end())
          return corrupt(node.describe() + ": input '" + in +
                         "' is not a graph input, an initializer or any node's output");
        if (state[it->second] == 1) return corrupt(node.describe() + ": the graph has a cycle through '" + in + "'");
        if (state[it->second] == 0) {
          state[it->second] = 1;
          stack.emplace_back(it->second, 0);
        }
        continue;
      }
      state[n] = 2;
      sorted.push_back(graph.nodes[n]);
      stack.pop_back();
    }
  }
  graph.nodes = std::move(sorted);
  return Status::ok();
}

namespace {
// Ops whose output must not be computed at load time.
bool is_foldable(const Node& n) {
  static const std::unordered_set<std::string> kNever = {"RandomNormal", "RandomUniform", "RandomNormalLike",
                                                         "RandomUniformLike", "Multinomial", "Bernoulli"};
  return kNever.count(n.op_type) == 0;
}
}  // namespace

Status fold_constants(Graph& graph, const OpRegistry& registry, const kernels::KernelTable& kernels) {
  std::vector<Node> kept;
  for (Node& node : graph.nodes) {
    bool all_const = is_foldable(node);
    std::vector<const Tensor*> ins;
    for (const std::string& in : node.inputs) {
      if (in.empty()) {
        ins.push_back(nullptr);
        continue;
      }
      auto it = graph.initializers.find(in);
      if (it == graph.initializers.end()) {
        all_const = false;
        break;
      }
      ins.push_back(&it->second);
    }
    const OpFactory* factory = registry.find(node.domain, node.op_type);
    if (!all_const || factory == nullptr) {
      kept.push_back(std::move(node));
      continue;
    }
    OpBuildContext bctx{node, graph.opset(node.domain), ins, kernels, &registry};
    auto kernel = (*factory)(bctx);
    if (!kernel.is_ok()) return Status(kernel.status().code(), node.describe() + ": " + kernel.status().message());
    std::vector<Tensor> outs(node.outputs.size());
    OpRunContext rctx{ins, outs, nullptr, kernels};
    Status st = (*kernel)->run(rctx);
    if (!st.is_ok()) return Status(st.code(), node.describe() + ": " + st.message());
    for (size_t o = 0; o < outs.size(); ++o)
      if (!node.outputs[o].empty()) graph.initializers[node.outputs[o]] = std::move(outs[o]);
  }
  graph.nodes = std::move(kept);
  return Status::ok();
}

void fold_static_shapes(Graph& graph) {
  auto static_shape = [&](const std::string& name) -> const Shape* {
    const ValueInfo* vi = nullptr;
    for (const ValueInfo& in : graph.inputs)
      if (in.name == name) vi = &in;
    if (vi == nullptr) {
      auto it = graph.value_info.find(name);
      if (it != graph.value_info.end()) vi = &it->second;
    }
    if (vi == nullptr || !vi->has_shape) return nullptr;
    for (int64_t d : vi->shape)
      if (d < 0) return nullptr;
    return &vi->shape;
  };
  std::vector<Node> kept;
  for (Node& node : graph.nodes) {
    const Shape* shape = node.domain.empty() && (node.op_type == "Shape" || node.op_type == "Size") &&
                                 node.inputs.size() == 1 && node.outputs.size() == 1
                             ? static_shape(node.inputs[0])
                             : nullptr;
    if (shape == nullptr) {
      kept.push_back(std::move(node));
      continue;
    }
    if (node.op_type == "Size") {
      graph.initializers[node.outputs[0]] = Tensor::from_vector<int64_t>({}, {shape_numel(*shape)});
      continue;
    }
    const int64_t rank = static_cast<int64_t>(shape->size());
    auto clampi = [&](int64_t v) { return std::clamp<int64_t>(v < 0 ? v + rank : v, 0, rank); };
    const int64_t start = clampi(node.attrs.get_int("start", 0));
    const int64_t end = std::max(start, clampi(node.attrs.get_int("end", rank)));
    std::vector<int64_t> dims(shape->begin() + start, shape->begin() + end);
    graph.initializers[node.outputs[0]] = Tensor::from_vector<int64_t>({static_cast<int64_t>(dims.size())}, dims);
  }
  graph.nodes = std::move(kept);
}

void remove_identities(Graph& graph) {
  std::unordered_set<std::string> graph_outputs;
  for (const ValueInfo& vi : graph.outputs) graph_outputs.insert(vi.name);
  std::unordered_map<std::string, std::string> rename;
  std::vector<Node> kept;
  for (Node& node : graph.nodes) {
    for (std::string& in : node.inputs) {
      auto it = rename.find(in);
      if (it != rename.end()) in = it->second;
    }
    const bool identity = node.op_type == "Identity" ||
                          (node.op_type == "Dropout" && (node.outputs.size() < 2 || node.outputs[1].empty()));
    if (identity && node.domain.empty() && !node.inputs.empty() && !node.inputs[0].empty() &&
        !graph_outputs.count(node.outputs[0])) {
      rename[node.outputs[0]] = node.inputs[0];
      continue;
    }
    kept.push_back(std::move(node));
  }
  graph.nodes = std::move(kept);
}

void remove_dead_nodes(Graph& graph) {
  std::unordered_set<std::string> live;
  for (const ValueInfo& vi : graph.outputs) live.insert(vi.name);
  std::vector<Node> kept;
  for (size_t i = graph.nodes.size(); i-- > 0;) {  // nodes are topologically sorted
    Node& node = graph.nodes[i];
    bool used = false;
    for (const std::string& o : node.outputs) used = used || (!o.empty() && live.count(o));
    if (!used) continue;
    for (const std::string& in : node.inputs) live.insert(in);
    kept.push_back(std::move(node));
  }
  std::reverse(kept.begin(), kept.end());
  graph.nodes = std::move(kept);
  for (auto it = graph.initializers.begin(); it != graph.initializers.end();)
    it = live.count(it->first) ? std::next(it) : graph.initializers.erase(it);
}

Status optimize_graph(Graph& graph, const OpRegistry& registry, const kernels::KernelTable& kernels) {
  remove_identities(graph);
  fold_static_shapes(graph);
  CI_RETURN_IF_ERROR(fold_constants(graph, registry, kernels));
  fold_batch_norm(graph);
  fuse_matmul_transposes(graph);
  fuse_gelu(graph);
  fuse_activations(graph);
  fuse_conv_chains(graph);
  fuse_embedding_bags(graph);
  if (kernels.isa == kernels::Isa::kAvx512Vnni) use_channels_last_int8(graph);
  if (kernels::has_avx512(kernels.isa)) use_nchwc_fp32(graph);
  remove_dead_nodes(graph);
  return Status::ok();
}

}  // namespace coreinfer
