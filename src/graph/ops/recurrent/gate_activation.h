// The activation functions RNN, GRU and LSTM accept for their gates (the "activations",
// "activation_alpha" and "activation_beta" attributes).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/status.h"
#include "graph/graph.h"

namespace coreinfer::recurrent {

struct GateActivation {
  enum class Kind {
    kRelu, kTanh, kSigmoid, kAffine, kLeakyRelu, kThresholdedRelu, kScaledTanh, kHardSigmoid, kElu, kSoftsign,
    kSoftplus
  };
  Kind kind = Kind::kTanh;
  float alpha = 0, beta = 0;

  // x[i] = f(x[i]) for i < n.
  void apply(float* x, int64_t n) const;
};

// The activations of every direction, `per_direction` each, in attribute order: from the
// "activations" attribute (case-insensitive names; a bidirectional node may list one direction's
// set, which then serves both) or `defaults`. Alphas and betas are taken in order by the
// functions that use them; missing ones take the ONNX operator's default.
Result<std::vector<GateActivation>> parse_gate_activations(const Attributes& attrs, int per_direction,
                                                           int num_directions,
                                                           const std::vector<std::string>& defaults);

}  // namespace coreinfer::recurrent
