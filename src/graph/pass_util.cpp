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

}  // namespace coreinfer
