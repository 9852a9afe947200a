#include "graph/pass_util.h"

#include "graph/passes.h"

namespace coreinfer {

void erase_flagged_nodes(Graph& graph, const std::vector<bool>& flagged) {
  std::vector<Node> kept;
  for (size_t i = 0; i < graph.nodes.size(); ++i)
    if (!flagged[i]) kept.push_back(std::move(graph.nodes[i]));
  graph.nodes = std::move(kept);
}

void use_coreinfer_domain(Graph& graph) {
  if (!graph.opsets.count(kCoreinferOpDomain)) graph.opsets[kCoreinferOpDomain] = 1;
}

LayoutChain::LayoutChain(const Graph& graph, std::string suffix, Convert to_layout, Convert to_plain,
                         std::vector<Node>& out)
    : graph_(graph), suffix_(std::move(suffix)), to_layout_(std::move(to_layout)), to_plain_(std::move(to_plain)),
      out_(out) {
  for (const Node& n : graph.nodes)
    for (const std::string& o : n.outputs) names_.insert(o);
}

std::string LayoutChain::fresh(const std::string& base) {
  std::string name = base + suffix_;
  while (names_.count(name) || graph_.initializers.count(name)) name += "_";
  names_.insert(name);
  return name;
}

std::string LayoutChain::to_layout(const std::string& v) {
  if (!copy_.count(v)) {
    copy_[v] = fresh(v);
    out_.push_back(to_layout_(v, copy_[v]));
  }
  return copy_[v];
}

void LayoutChain::produce(Node& n) {
  const std::string y = n.outputs[0];
  copy_[y] = fresh(y);
  produced_.insert(y);
  n.outputs[0] = copy_[y];
}

void LayoutChain::to_plain(const std::string& v) {
  if (produced_.count(v) && converted_back_.insert(v).second) out_.push_back(to_plain_(copy_[v], v));
}

}  // namespace coreinfer
