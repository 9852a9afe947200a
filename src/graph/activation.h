// Activations fused into Conv / Gemm / MatMul by the fuse_activations pass. The node carries
// "activation" (a name below) and "activation_params" (floats); kernels apply it to their output.
#pragma once

#include <cstdint>
#include <string>

#include "core/status.h"
#include "graph/graph.h"

namespace coreinfer {

struct Activation {
  enum class Kind { kNone, kRelu, kClip, kLeakyRelu, kHardSigmoid, kHardSwish, kSigmoid, kSilu };
  Kind kind = Kind::kNone;
  float a = 0, b = 0;  // Clip: min, max; LeakyRelu: alpha; HardSigmoid: alpha, beta
};

// Reads "activation"/"activation_params"; kNone when absent.
Result<Activation> activation_from_attrs(const Attributes& attrs);
// Writes the attributes for `act` onto a node (the pass's side).
void set_activation_attrs(Attributes& attrs, const Activation& act);
const char* activation_name(Activation::Kind kind);
// x[i] = act(x[i]).
void apply_activation(const Activation& act, float* x, int64_t n);

}  // namespace coreinfer
