// Subgraphs (If branches, Loop and Scan bodies) may read any value of their enclosing scopes by
// name; these helpers make that dependency explicit on the node that owns the subgraph.
#include <unordered_set>

#include "graph/passes.h"

namespace coreinfer {

std::vector<std::string> free_values(const Graph& graph) {
  std::unordered_set<std::string> defined;
  for (const ValueInfo& vi : graph.inputs) defined.insert(vi.name);
  for (const auto& [name, t] : graph.initializers) defined.insert(name);
  for (const Node& n : graph.nodes)
    for (const std::string& o : n.outputs)
      if (!o.empty()) defined.insert(o);
  std::vector<std::string> free;
  std::unordered_set<std::string> seen;
  auto use = [&](const std::string& name) {
    if (!name.empty() && !defined.count(name) && seen.insert(name).second) free.push_back(name);
  };
  for (const Node& n : graph.nodes) {
    for (const std::string& in : n.inputs) use(in);
    if (!n.captures.empty()) continue;  // already bound: the captured names are among the inputs
    for (const auto& [name, a] : n.attrs.all())
      if (a.kind == Attribute::Kind::kGraph && a.g)
        for (const std::string& v : free_values(*a.g)) use(v);
  }
  for (const ValueInfo& vi : graph.outputs) use(vi.name);
  return free;
}

void bind_subgraph_captures(Graph& graph) {
  for (Node& n : graph.nodes) {
    if (!n.captures.empty()) continue;
    std::vector<std::string> captures;
    std::unordered_set<std::string> seen;
    for (const auto& [name, a] : n.attrs.all())
      if (a.kind == Attribute::Kind::kGraph && a.g)
        for (const std::string& v : free_values(*a.g))
          if (seen.insert(v).second) captures.push_back(v);
    n.inputs.insert(n.inputs.end(), captures.begin(), captures.end());
    n.captures = std::move(captures);
  }
}

}  // namespace coreinfer
