// fuse_gelu (declared in passes.h): the erf form of GELU as exporters write it, five element-wise
// nodes, becomes one Gelu node (one pass over the tensor instead of five).
#include <cmath>
#include <unordered_map>

#include "graph/pass_util.h"
#include "graph/passes.h"

namespace coreinfer {
namespace {

class GeluMatcher {
 public:
  explicit GeluMatcher(Graph& g) : g_(g) {
    for (size_t i = 0; i < g.nodes.size(); ++i)
      for (const std::string& out : g.nodes[i].outputs) producer_[out] = i;
    for (const Node& n : g.nodes)
      for (const std::string& in : n.inputs) ++readers_[in];
    for (const ValueInfo& vi : g.outputs) readers_[vi.name] += 2;  // never fused away
  }

  // The node producing `value` if it is `op` with two inputs and `value` is read once only.
  const Node* sole_use_producer(const std::string& value, const char* op, size_t inputs) const {
    auto it = producer_.find(value);
    if (it == producer_.end() || readers_.count(value) == 0 || readers_.at(value) != 1) return nullptr;
    const Node& n = g_.nodes[it->second];
    if (!n.domain.empty() || n.op_type != op || n.inputs.size() != inputs || n.outputs.size() != 1) return nullptr;
    return &n;
  }
  // Whether `value` is a one-element float initializer within 1e-6 of `want`.
  bool is_scalar(const std::string& value, double want) const {
    auto it = g_.initializers.find(value);
    if (it == g_.initializers.end() || it->second.type() != ElemType::kFloat || it->second.numel() != 1) return false;
    return std::fabs(it->second.data<float>()[0] - want) <= 1e-6 * std::fabs(want);
  }
  // For a two-input node, the input that is not `value` when the other one is; else empty.
  static std::string other_input(const Node& n, const std::string& value) {
    if (n.inputs[0] == value && n.inputs[1] != value) return n.inputs[1];
    if (n.inputs[1] == value && n.inputs[0] != value) return n.inputs[0];
    return "";
  }

  // x when `value` is (x / sqrt 2) or (x * 1/sqrt 2), read once; empty otherwise.
  std::string scaled_input(const std::string& value, std::vector<const Node*>& used) const {
    if (const Node* div = sole_use_producer(value, "Div", 2); div && is_scalar(div->inputs[1], std::sqrt(2.0))) {
      used.push_back(div);
      return div->inputs[0];
    }
    if (const Node* mul = sole_use_producer(value, "Mul", 2)) {
      for (int i = 0; i < 2; ++i)
        if (is_scalar(mul->inputs[1 - i], std::sqrt(0.5))) {
          used.push_back(mul);
          return mul->inputs[i];
        }
    }
    return "";
  }

  // x when `value` is 1 + erf(x / sqrt 2) (any operand order), every step read once; else empty.
  std::string one_plus_erf(const std::string& value, std::vector<const Node*>& used) const {
    const Node* add = sole_use_producer(value, "Add", 2);
    if (add == nullptr) return "";
    for (int i = 0; i < 2; ++i) {
      if (!is_scalar(add->inputs[1 - i], 1.0)) continue;
      const Node* erf = sole_use_producer(add->inputs[i], "Erf", 1);
      if (erf == nullptr) continue;
      std::vector<const Node*> chain{add, erf};
      const std::string x = scaled_input(erf->inputs[0], chain);
      if (x.empty()) continue;
      used.insert(used.end(), chain.begin(), chain.end());
      return x;
    }
    return "";
  }

  // For y = Mul(p, q): the x of 0.5 * x * (1 + erf(x / sqrt 2)) written as (x * (1 + erf)) * 0.5
  // or (x * 0.5) * (1 + erf), and the nodes it spans; empty when y is not that.
  std::string match(const Node& y, std::vector<const Node*>& used) const {
    if (!y.domain.empty() || y.op_type != "Mul" || y.inputs.size() != 2 || y.outputs.size() != 1) return "";
    for (int i = 0; i < 2; ++i) {
      const std::string& p = y.inputs[i];
      const std::string& q = y.inputs[1 - i];
      const Node* inner = sole_use_producer(p, "Mul", 2);
      if (inner == nullptr) continue;
      for (int j = 0; j < 2; ++j) {
        const std::string& x = inner->inputs[j];
        const std::string& rest = inner->inputs[1 - j];
        std::vector<const Node*> chain{inner};
        if (is_scalar(q, 0.5) && one_plus_erf(rest, chain) == x && !x.empty()) {
          used = chain;  // (x * (1 + erf)) * 0.5
          return x;
        }
        chain.resize(1);
        if (is_scalar(rest, 0.5) && one_plus_erf(q, chain) == x && !x.empty()) {
          used = chain;  // (x * 0.5) * (1 + erf)
          return x;
        }
      }
    }
    return "";
  }

 private:
  Graph& g_;
  std::unordered_map<std::string, size_t> producer_;
  std::unordered_map<std::string, int> readers_;
};

}  // namespace

void fuse_gelu(Graph& graph) {
  std::vector<bool> removed(graph.nodes.size(), false);
  {
    const GeluMatcher matcher(graph);
    for (size_t i = 0; i < graph.nodes.size(); ++i) {
      std::vector<const Node*> used;
      const std::string x = matcher.match(graph.nodes[i], used);
      if (x.empty()) continue;
      bool fresh = true;
      for (const Node* n : used) fresh = fresh && !removed[static_cast<size_t>(n - graph.nodes.data())];
      if (!fresh) continue;
      for (const Node* n : used) removed[static_cast<size_t>(n - graph.nodes.data())] = true;
      // The Gelu takes the last Mul's place: x is computed before it.
      Node& y = graph.nodes[i];
      y.op_type = "Gelu";
      y.inputs = {x};
      y.attrs = Attributes();
    }
  }
  erase_flagged_nodes(graph, removed);
}

}  // namespace coreinfer
