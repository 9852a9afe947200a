#include "graph/ops/recurrent/gate_activation.h"

#include <algorithm>
#include <cctype>
#include <cmath>

namespace coreinfer::recurrent {
namespace {

struct KindInfo {
  const char* name;
  GateActivation::Kind kind;
  bool uses_alpha, uses_beta;
  float default_alpha, default_beta;
};

constexpr KindInfo kKinds[] = {
    {"relu", GateActivation::Kind::kRelu, false, false, 0, 0},
    {"tanh", GateActivation::Kind::kTanh, false, false, 0, 0},
    {"sigmoid", GateActivation::Kind::kSigmoid, false, false, 0, 0},
    {"affine", GateActivation::Kind::kAffine, true, true, 1.0f, 0.0f},
    {"leakyrelu", GateActivation::Kind::kLeakyRelu, true, false, 0.01f, 0},
    {"thresholdedrelu", GateActivation::Kind::kThresholdedRelu, true, false, 1.0f, 0},
    {"scaledtanh", GateActivation::Kind::kScaledTanh, true, true, 1.0f, 1.0f},
    {"hardsigmoid", GateActivation::Kind::kHardSigmoid, true, true, 0.2f, 0.5f},
    {"elu", GateActivation::Kind::kElu, true, false, 1.0f, 0},
    {"softsign", GateActivation::Kind::kSoftsign, false, false, 0, 0},
    {"softplus", GateActivation::Kind::kSoftplus, false, false, 0, 0},
};

const KindInfo* find_kind(const std::string& name) {
  std::string lower(name);
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
  for (const KindInfo& k : kKinds)
    if (lower == k.name) return &k;
  return nullptr;
}

float sigmoid(float v) {
  // Split by sign so exp never overflows.
  if (v >= 0) return 1.0f / (1.0f + std::exp(-v));
  const float e = std::exp(v);
  return e / (1.0f + e);
}

}  // namespace

void GateActivation::apply(float* x, int64_t n) const {
  using K = Kind;
  switch (kind) {
    case K::kRelu: for (int64_t i = 0; i < n; ++i) x[i] = std::max(x[i], 0.0f); break;
    case K::kTanh: for (int64_t i = 0; i < n; ++i) x[i] = std::tanh(x[i]); break;
    case K::kSigmoid: for (int64_t i = 0; i < n; ++i) x[i] = sigmoid(x[i]); break;
    case K::kAffine: for (int64_t i = 0; i < n; ++i) x[i] = alpha * x[i] + beta; break;
    case K::kLeakyRelu: for (int64_t i = 0; i < n; ++i) x[i] = x[i] >= 0 ? x[i] : alpha * x[i]; break;
    case K::kThresholdedRelu: for (int64_t i = 0; i < n; ++i) x[i] = x[i] > alpha ? x[i] : 0.0f; break;
    case K::kScaledTanh: for (int64_t i = 0; i < n; ++i) x[i] = alpha * std::tanh(beta * x[i]); break;
    case K::kHardSigmoid:
      for (int64_t i = 0; i < n; ++i) x[i] = std::clamp(alpha * x[i] + beta, 0.0f, 1.0f);
      break;
    case K::kElu: for (int64_t i = 0; i < n; ++i) x[i] = x[i] >= 0 ? x[i] : alpha * std::expm1(x[i]); break;
    case K::kSoftsign: for (int64_t i = 0; i < n; ++i) x[i] = x[i] / (1.0f + std::fabs(x[i])); break;
    case K::kSoftplus:
      // log(1 + e^x) without overflow for large x.
      for (int64_t i = 0; i < n; ++i) x[i] = std::max(x[i], 0.0f) + std::log1p(std::exp(-std::fabs(x[i])));
      break;
  }
}

Result<std::vector<GateActivation>> parse_gate_activations(const Attributes& attrs, int per_direction,
                                                           int num_directions,
                                                           const std::vector<std::string>& defaults) {
  const size_t want = static_cast<size_t>(per_direction) * static_cast<size_t>(num_directions);
  std::vector<std::string> names;
  if (const Attribute* a = attrs.find("activations"); a != nullptr && !a->strings.empty()) {
    names = a->strings;
  } else {
    for (int d = 0; d < num_directions; ++d) names.insert(names.end(), defaults.begin(), defaults.end());
  }
  if (names.size() == static_cast<size_t>(per_direction) && num_directions == 2) {
    const std::vector<std::string> one = names;
    names.insert(names.end(), one.begin(), one.end());
  }
  if (names.size() != want)
    return invalid_argument("attribute activations lists " + std::to_string(names.size()) + " functions, expected " +
                            std::to_string(want) + " (" + std::to_string(per_direction) + " per direction)");
  const std::vector<float> alphas = attrs.get_floats("activation_alpha");
  const std::vector<float> betas = attrs.get_floats("activation_beta");
  size_t next_alpha = 0, next_beta = 0;
  std::vector<GateActivation> out;
  for (const std::string& name : names) {
    const KindInfo* info = find_kind(name);
    if (info == nullptr)
      return unsupported("activation '" + name +
                         "' is not supported (Relu, Tanh, Sigmoid, Affine, LeakyRelu, ThresholdedRelu, ScaledTanh, "
                         "HardSigmoid, Elu, Softsign, Softplus)");
    GateActivation g;
    g.kind = info->kind;
    g.alpha = info->default_alpha;
    g.beta = info->default_beta;
    if (info->uses_alpha && next_alpha < alphas.size()) g.alpha = alphas[next_alpha++];
    if (info->uses_beta && next_beta < betas.size()) g.beta = betas[next_beta++];
    out.push_back(g);
  }
  return out;
}

}  // namespace coreinfer::recurrent
