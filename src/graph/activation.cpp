#include "graph/activation.h"

#include <algorithm>
#include <cmath>
#include <vector>

namespace coreinfer {

namespace {
constexpr Activation::Kind kKinds[] = {Activation::Kind::kRelu,      Activation::Kind::kClip,
                                       Activation::Kind::kLeakyRelu, Activation::Kind::kHardSigmoid,
                                       Activation::Kind::kHardSwish, Activation::Kind::kSigmoid,
                                       Activation::Kind::kSilu};
}

const char* activation_name(Activation::Kind kind) {
  switch (kind) {
    case Activation::Kind::kRelu: return "Relu";
    case Activation::Kind::kClip: return "Clip";
    case Activation::Kind::kLeakyRelu: return "LeakyRelu";
    case Activation::Kind::kHardSigmoid: return "HardSigmoid";
    case Activation::Kind::kHardSwish: return "HardSwish";
    case Activation::Kind::kSigmoid: return "Sigmoid";
    case Activation::Kind::kSilu: return "SiLU";
    default: return "";
  }
}

Result<Activation> activation_from_attrs(const Attributes& attrs) {
  Activation act;
  const std::string name = attrs.get_string("activation", "");
  if (name.empty()) return act;
  for (auto k : kKinds)
    if (name == activation_name(k)) act.kind = k;
  if (act.kind == Activation::Kind::kNone) return invalid_argument("unknown fused activation '" + name + "'");
  const std::vector<float> p = attrs.get_floats("activation_params");
  if (p.size() > 0) act.a = p[0];
  if (p.size() > 1) act.b = p[1];
  return act;
}

void set_activation_attrs(Attributes& attrs, const Activation& act) {
  attrs.set_string("activation", activation_name(act.kind));
  attrs.set_floats("activation_params", {act.a, act.b});
}

void apply_activation(const Activation& act, float* x, int64_t n) {
  switch (act.kind) {
    case Activation::Kind::kNone: return;
    case Activation::Kind::kRelu:
      for (int64_t i = 0; i < n; ++i) x[i] = x[i] > 0 ? x[i] : 0.0f;
      return;
    case Activation::Kind::kClip:
      for (int64_t i = 0; i < n; ++i) x[i] = std::min(std::max(x[i], act.a), act.b);
      return;
    case Activation::Kind::kLeakyRelu:
      for (int64_t i = 0; i < n; ++i) x[i] = x[i] >= 0 ? x[i] : x[i] * act.a;
      return;
    case Activation::Kind::kHardSigmoid:
      for (int64_t i = 0; i < n; ++i) x[i] = std::max(0.0f, std::min(1.0f, act.a * x[i] + act.b));
      return;
    case Activation::Kind::kHardSwish:
      for (int64_t i = 0; i < n; ++i) x[i] = x[i] * std::max(0.0f, std::min(1.0f, x[i] / 6.0f + 0.5f));
      return;
    case Activation::Kind::kSigmoid:
      for (int64_t i = 0; i < n; ++i) x[i] = 1.0f / (1.0f + std::exp(-x[i]));
      return;
    case Activation::Kind::kSilu:
      for (int64_t i = 0; i < n; ++i) x[i] = x[i] / (1.0f + std::exp(-x[i]));
      return;
  }
}

}  // namespace coreinfer
