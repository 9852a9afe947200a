// Small hand-built graphs for the control-flow tests: a registry with the control ops plus a few
// element-wise ops written here as plain loops (Add, Mul, Identity, Less, Constant), and builders.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "graph/graph.h"
#include "graph/op_kernel.h"

namespace coreinfer::controltest {

OpRegistry test_registry();

Node node(const std::string& op, std::vector<std::string> inputs, std::vector<std::string> outputs);
ValueInfo vinfo(const std::string& name, ElemType type = ElemType::kUndefined);
// Sets attribute `name` of `n` to the subgraph `g`.
void set_graph(Node& n, const std::string& name, Graph g);
// A graph of `nodes` with these inputs and outputs (opset 16 unless given).
Graph graph(std::vector<Node> nodes, std::vector<ValueInfo> inputs, std::vector<ValueInfo> outputs,
            int64_t opset = 16);

std::vector<float> floats(const Tensor& t);

}  // namespace coreinfer::controltest
