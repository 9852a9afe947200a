// Helpers shared by the graph passes (passes.h).
#pragma once

#include <functional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "graph/graph.h"

namespace coreinfer {

// Removes the nodes whose flag is set, keeping the others in their order.
void erase_flagged_nodes(Graph& graph, const std::vector<bool>& flagged);

// Declares coreinfer's operator domain among the graph's opsets (passes that create its fused ops).
void use_coreinfer_domain(Graph& graph);

// The bookkeeping of a layout pass (int8_layout.cpp, nchwc_layout.cpp): which values have a copy
// in the other layout, fresh names for those copies, and the conversion nodes at the chain's
// edges, appended to the pass's new node list in order.
class LayoutChain {
 public:
  // convert(from, to): the node that writes `to`, `from` in the other layout; to_layout converts
  // into the chain's layout, to_plain back.
  using Convert = std::function<Node(const std::string& from, const std::string& to)>;
  LayoutChain(const Graph& graph, std::string suffix, Convert to_layout, Convert to_plain, std::vector<Node>& out);

  bool has(const std::string& v) const { return copy_.count(v) != 0; }
  // v's copy in the layout (has(v) must hold).
  const std::string& copy(const std::string& v) const { return copy_.at(v); }
  // Values produced in the layout (their plain form made only where something reads it).
  bool produced(const std::string& v) const { return produced_.count(v) != 0; }
  // v's copy, converting v where there is none yet.
  std::string to_layout(const std::string& v);
  // Node n writes its output 0 in the layout, under a fresh name.
  void produce(Node& n);
  // The plain value v, converted back once, where v was produced in the layout.
  void to_plain(const std::string& v);
  std::string fresh(const std::string& base);

 private:
  std::unordered_map<std::string, std::string> copy_;
  std::unordered_set<std::string> produced_, converted_back_, names_;
  const Graph& graph_;
  std::string suffix_;
  Convert to_layout_, to_plain_;
  std::vector<Node>& out_;
};

}  // namespace coreinfer
