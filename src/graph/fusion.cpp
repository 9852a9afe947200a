// fold_batch_norm, fuse_residual_adds and fuse_activations (declared in passes.h). Both rewrite a producer node in
// place and drop the node it absorbs; a value read by more than one node (or a graph output)
// is never fused away, and initializers that other nodes still read are left untouched (folded
// weights get fresh names).
#include <cmath>
#include <limits>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "graph/activation.h"
#include "graph/pass_util.h"
#include "graph/passes.h"

namespace coreinfer {
namespace {

struct Uses {
  std::unordered_map<std::string, std::vector<size_t>> readers;  // value -> reading node indices
  std::unordered_set<std::string> graph_outputs;

  explicit Uses(const Graph& g) {
    for (size_t i = 0; i < g.nodes.size(); ++i)
      for (const std::string& in : g.nodes[i].inputs)
        if (!in.empty()) readers[in].push_back(i);
    for (const ValueInfo& vi : g.outputs) graph_outputs.insert(vi.name);
  }
  // The one node reading `value` (and nothing else, not a graph output), or -1.
  int64_t sole_reader(const std::string& value) const {
    if (graph_outputs.count(value)) return -1;
    auto it = readers.find(value);
    if (it == readers.end()) return -1;
    size_t first = it->second.front();
    for (size_t r : it->second)
      if (r != first) return -1;
    return static_cast<int64_t>(first);
  }
  size_t reader_count(const std::string& value) const {
    auto it = readers.find(value);
    return it == readers.end() ? 0 : it->second.size();
  }
};

const Tensor* float_initializer(const Graph& g, const std::vector<std::string>& inputs, size_t i) {
  if (i >= inputs.size() || inputs[i].empty()) return nullptr;
  auto it = g.initializers.find(inputs[i]);
  if (it == g.initializers.end() || it->second.type() != ElemType::kFloat) return nullptr;
  return &it->second;
}

std::string fresh_name(const Graph& g, const std::string& base) {
  std::string name = base;
  for (int i = 1; g.initializers.count(name); ++i) name = base + "_" + std::to_string(i);
  return name;
}

bool is_default_op(const Node& n, const char* op) { return n.domain.empty() && n.op_type == op; }

// BN(x) = x * factor[c] + shift[c]; false when the node is not a foldable inference BN.
bool bn_affine(const Graph& g, const Node& bn, int64_t channels, std::vector<float>& factor, std::vector<float>& shift) {
  if (bn.attrs.get_int("training_mode", 0) != 0 || bn.attrs.get_int("spatial", 1) == 0) return false;
  for (size_t o = 1; o < bn.outputs.size(); ++o)
    if (!bn.outputs[o].empty()) return false;
  const Tensor* p[4];
  for (int i = 0; i < 4; ++i) {
    p[i] = float_initializer(g, bn.inputs, i + 1);
    if (p[i] == nullptr || p[i]->rank() != 1 || p[i]->numel() != channels) return false;
  }
  const double eps = bn.attrs.get_float("epsilon", 1e-5f);
  factor.resize(channels);
  shift.resize(channels);
  for (int64_t c = 0; c < channels; ++c) {
    const double f = p[0]->data<float>()[c] / std::sqrt(static_cast<double>(p[3]->data<float>()[c]) + eps);
    factor[c] = static_cast<float>(f);
    shift[c] = static_cast<float>(p[1]->data<float>()[c] - p[2]->data<float>()[c] * f);
  }
  return true;
}

// Conv(W, B) -> BN: W' = W * factor per output channel, B' = B * factor + shift.
bool fold_into_conv(Graph& g, Node& conv, const Node& bn) {
  const Tensor* w = float_initializer(g, conv.inputs, 1);
  if (w == nullptr || w->rank() < 3) return false;
  const bool has_bias = conv.inputs.size() > 2 && !conv.inputs[2].empty();
  const Tensor* b = has_bias ? float_initializer(g, conv.inputs, 2) : nullptr;
  const int64_t m = w->dim(0);
  if (has_bias && (b == nullptr || b->numel() != m)) return false;
  std::vector<float> factor, shift;
  if (!bn_affine(g, bn, m, factor, shift)) return false;
  Tensor nw = w->clone();
  const int64_t per = m ? w->numel() / m : 0;
  for (int64_t oc = 0; oc < m; ++oc)
    for (int64_t i = 0; i < per; ++i) nw.data<float>()[oc * per + i] *= factor[oc];
  Tensor nb = Tensor::allocate(ElemType::kFloat, {m}).value();
  for (int64_t oc = 0; oc < m; ++oc) nb.data<float>()[oc] = (b ? b->data<float>()[oc] * factor[oc] : 0.0f) + shift[oc];
  const std::string wname = fresh_name(g, conv.inputs[1] + "_bn_folded");
  g.initializers[wname] = std::move(nw);
  const std::string bname = fresh_name(g, (conv.name.empty() ? conv.outputs[0] : conv.name) + "_bn_folded_bias");
  g.initializers[bname] = std::move(nb);
  conv.inputs[1] = wname;
  conv.inputs.resize(3);
  conv.inputs[2] = bname;
  conv.outputs[0] = bn.outputs[0];
  return true;
}

// Gemm(A, W, C) -> BN over its 2-D output: scale the weight columns, fold C into a 1-D bias.
bool fold_into_gemm(Graph& g, Node& gemm, const Node& bn) {
  const Tensor* w = float_initializer(g, gemm.inputs, 1);
  if (w == nullptr || w->rank() != 2) return false;
  const bool tb = gemm.attrs.get_int("transB", 0) != 0;
  const int64_t n = tb ? w->dim(0) : w->dim(1), k = tb ? w->dim(1) : w->dim(0);
  const bool has_c = gemm.inputs.size() > 2 && !gemm.inputs[2].empty();
  const Tensor* c = has_c ? float_initializer(g, gemm.inputs, 2) : nullptr;
  if (has_c && (c == nullptr || !(c->numel() == 1 || (c->numel() == n && c->dim(-1) == n)))) return false;
  std::vector<float> factor, shift;
  if (!bn_affine(g, bn, n, factor, shift)) return false;
  const float beta = gemm.attrs.get_float("beta", 1.0f);
  Tensor nw = w->clone();
  for (int64_t j = 0; j < n; ++j)
    for (int64_t p = 0; p < k; ++p) nw.data<float>()[tb ? j * k + p : p * n + j] *= factor[j];
  Tensor nc = Tensor::allocate(ElemType::kFloat, {n}).value();
  for (int64_t j = 0; j < n; ++j) {
    const float cv = c ? beta * c->data<float>()[c->numel() == 1 ? 0 : j] : 0.0f;
    nc.data<float>()[j] = cv * factor[j] + shift[j];
  }
  const std::string wname = fresh_name(g, gemm.inputs[1] + "_bn_folded");
  g.initializers[wname] = std::move(nw);
  const std::string cname = fresh_name(g, (gemm.name.empty() ? gemm.outputs[0] : gemm.name) + "_bn_folded_bias");
  g.initializers[cname] = std::move(nc);
  gemm.inputs[1] = wname;
  gemm.inputs.resize(3);
  gemm.inputs[2] = cname;
  gemm.attrs.set_float("beta", 1.0f);
  gemm.outputs[0] = bn.outputs[0];
  return true;
}

// The activation `act` computes, when it is one the nn kernels can fuse; Clip's bounds must be
// constants.
bool activation_of(const Graph& g, const Node& n, Activation& act) {
  if (!n.domain.empty() || n.inputs.empty() || n.outputs.size() != 1) return false;
  using K = Activation::Kind;
  if (n.op_type == "Relu") {
    act.kind = K::kRelu;
  } else if (n.op_type == "LeakyRelu") {
    act.kind = K::kLeakyRelu;
    act.a = n.attrs.get_float("alpha", 0.01f);
  } else if (n.op_type == "HardSigmoid") {
    act.kind = K::kHardSigmoid;
    act.a = n.attrs.get_float("alpha", 0.2f);
    act.b = n.attrs.get_float("beta", 0.5f);
  } else if (n.op_type == "HardSwish") {
    act.kind = K::kHardSwish;
  } else if (n.op_type == "Sigmoid") {
    act.kind = K::kSigmoid;
  } else if (n.op_type == "Clip") {
    act.kind = K::kClip;
    act.a = n.attrs.get_float("min", std::numeric_limits<float>::lowest());
    act.b = n.attrs.get_float("max", std::numeric_limits<float>::max());
    for (size_t i = 1; i < n.inputs.size() && i < 3; ++i) {
      if (n.inputs[i].empty()) continue;
      const Tensor* t = float_initializer(g, n.inputs, i);
      if (t == nullptr || t->numel() != 1) return false;
      (i == 1 ? act.a : act.b) = t->data<float>()[0];
    }
  } else {
    return false;
  }
  return true;
}

bool fusable_producer(const Node& n) {
  return n.domain.empty() && (n.op_type == "Conv" || n.op_type == "Gemm" || n.op_type == "MatMul") &&
         !n.attrs.has("activation") && !n.outputs.empty() && !n.outputs[0].empty();
}

}  // namespace

void fold_batch_norm(Graph& graph) {
  const Uses uses(graph);
  std::vector<bool> removed(graph.nodes.size(), false);
  for (size_t i = 0; i < graph.nodes.size(); ++i) {
    Node& p = graph.nodes[i];
    if (removed[i] || p.outputs.empty() || (!is_default_op(p, "Conv") && !is_default_op(p, "Gemm"))) continue;
    if (p.attrs.has("activation")) continue;
    const int64_t r = uses.sole_reader(p.outputs[0]);
    if (r < 0 || removed[r]) continue;
    const Node& bn = graph.nodes[r];
    if (!is_default_op(bn, "BatchNormalization") || bn.inputs.empty() || bn.inputs[0] != p.outputs[0]) continue;
    const bool done = p.op_type == "Conv" ? fold_into_conv(graph, p, bn) : fold_into_gemm(graph, p, bn);
    if (done) removed[r] = true;
  }
  erase_flagged_nodes(graph, removed);
}

void fuse_residual_adds(Graph& graph) {
  const Uses uses(graph);
  std::vector<bool> removed(graph.nodes.size(), false);
  for (size_t i = 0; i < graph.nodes.size(); ++i) {
    Node& conv = graph.nodes[i];
    if (removed[i] || !is_default_op(conv, "Conv") || conv.attrs.has("activation") || conv.inputs.size() > 3 ||
        conv.outputs.size() != 1 || conv.outputs[0].empty())
      continue;
    const std::string& y = conv.outputs[0];
    const int64_t r = uses.sole_reader(y);
    if (r < 0 || removed[r]) continue;
    Node& add = graph.nodes[r];
    if (!is_default_op(add, "Add") || add.inputs.size() != 2 || add.outputs.size() != 1) continue;
    const size_t other = add.inputs[0] == y ? 1 : 0;
    if (add.inputs[1 - other] != y || add.inputs[other] == y || add.inputs[other].empty()) continue;
    // The fused Conv takes the Add's place: every input of both is computed before it.
    Node fused = std::move(conv);
    fused.inputs.resize(3);
    fused.inputs.push_back(add.inputs[other]);
    fused.outputs[0] = add.outputs[0];
    add = std::move(fused);
    removed[i] = true;
  }
  erase_flagged_nodes(graph, removed);
}

void fuse_activations(Graph& graph) {
  fuse_residual_adds(graph);
  const Uses uses(graph);
  std::vector<bool> removed(graph.nodes.size(), false);
  for (size_t i = 0; i < graph.nodes.size(); ++i) {
    Node& p = graph.nodes[i];
    if (removed[i] || !fusable_producer(p)) continue;

    // MatMul + Add(constant 1-D bias over the columns of a constant 2-D B): the bias rides along
    // as MatMul's third input.
    if (p.op_type == "MatMul" && p.inputs.size() == 2) {
      const int64_t r = uses.sole_reader(p.outputs[0]);
      const Tensor* w = float_initializer(graph, p.inputs, 1);
      if (r >= 0 && !removed[r] && w && w->rank() == 2 && is_default_op(graph.nodes[r], "Add") &&
          graph.nodes[r].inputs.size() == 2) {
        Node& add = graph.nodes[r];
        const size_t other = add.inputs[0] == p.outputs[0] ? 1 : 0;
        const Tensor* bias = float_initializer(graph, add.inputs, other);
        if (add.inputs[1 - other] == p.outputs[0] && add.inputs[other] != p.outputs[0] && bias &&
            bias->rank() == 1 && bias->dim(0) == w->dim(1)) {
          p.inputs.push_back(add.inputs[other]);
          p.outputs[0] = add.outputs[0];
          removed[r] = true;
        }
      }
    }

    const std::string& y = p.outputs[0];
    if (uses.graph_outputs.count(y)) continue;
    auto it = uses.readers.find(y);
    if (it == uses.readers.end()) continue;
    const std::vector<size_t>& readers = it->second;
    Activation act;
    if (readers.size() == 1 && !removed[readers[0]] && activation_of(graph, graph.nodes[readers[0]], act) &&
        graph.nodes[readers[0]].inputs[0] == y) {
      Node& a = graph.nodes[readers[0]];
      set_activation_attrs(p.attrs, act);
      p.outputs[0] = a.outputs[0];
      removed[readers[0]] = true;
      continue;
    }
    // SiLU: y read by Sigmoid(y) -> s and Mul(y, s) (either order), s read only by that Mul.
    if (readers.size() == 2 && !removed[readers[0]] && !removed[readers[1]]) {
      for (int first = 0; first < 2; ++first) {
        const size_t si = readers[first], mi = readers[1 - first];
        Node& sig = graph.nodes[si];
        Node& mul = graph.nodes[mi];
        if (!is_default_op(sig, "Sigmoid") || !is_default_op(mul, "Mul") || sig.outputs.size() != 1 ||
            mul.inputs.size() != 2 || mul.outputs.size() != 1)
          continue;
        const std::string& s = sig.outputs[0];
        const bool pair = (mul.inputs[0] == y && mul.inputs[1] == s) || (mul.inputs[0] == s && mul.inputs[1] == y);
        if (!pair || uses.sole_reader(s) != static_cast<int64_t>(mi)) continue;
        act.kind = Activation::Kind::kSilu;
        set_activation_attrs(p.attrs, act);
        p.outputs[0] = mul.outputs[0];
        removed[si] = removed[mi] = true;
        break;
      }
    }
  }
  erase_flagged_nodes(graph, removed);
}

}  // namespace coreinfer
