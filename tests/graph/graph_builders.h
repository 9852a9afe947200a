// Builders for the hand-made graphs of the graph tests.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "graph/graph.h"

namespace coreinfer::testing {

inline Node make_node(std::string op, std::vector<std::string> in, std::vector<std::string> out,
                      std::string name = "") {
  Node n;
  n.op_type = std::move(op);
  n.inputs = std::move(in);
  n.outputs = std::move(out);
  n.name = name.empty() ? n.op_type + "_" + n.outputs[0] : std::move(name);
  return n;
}

// A graph input or output of known type; with a shape when one is given.
inline ValueInfo value(std::string name, ElemType type) {
  ValueInfo v;
  v.name = std::move(name);
  v.type = type;
  return v;
}
inline ValueInfo value(std::string name, ElemType type, Shape shape) {
  ValueInfo v = value(std::move(name), type);
  v.shape = std::move(shape);
  v.has_shape = true;
  return v;
}

}  // namespace coreinfer::testing
