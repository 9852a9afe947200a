// Helpers shared by the graph passes (passes.h).
#pragma once

#include <vector>

#include "graph/graph.h"

namespace coreinfer {

// Removes the nodes whose flag is set, keeping the others in their order.
void erase_flagged_nodes(Graph& graph, const std::vector<bool>& flagged);

// Declares coreinfer's operator domain among the graph's opsets (passes that create its fused ops).
void use_coreinfer_domain(Graph& graph);

}  // namespace coreinfer
