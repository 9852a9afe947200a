// RNN: H_t = f(X_t·Wᵀ + H_{t-1}·Rᵀ + Wb + Rb).
#include "graph/ops/recurrent/recurrent_op.h"
#include "graph/ops/recurrent/recurrent_ops.h"

namespace coreinfer::recurrent {
namespace {

void rnn_cell(const OpRunContext& ctx, const DirectionWeights& w, const CellOptions& opt, const CellStep& s) {
  const int64_t hs = s.hidden;
  recurrent_matmul(ctx, s.h_prev, s.batch, hs, w.r, hs, s.h, hs);
  for (int64_t b = 0; b < s.batch; ++b) {
    float* h = s.h + b * hs;
    const float* xw = s.xw + b * hs;
    for (int64_t j = 0; j < hs; ++j) h[j] += xw[j] + (w.rb ? w.rb[j] : 0.0f);
    clip_values(h, hs, opt.clip);
    w.acts[0].apply(h, hs);
  }
}

}  // namespace

Result<std::unique_ptr<OpKernel>> make_rnn(const OpBuildContext& ctx) {
  RecurrentSpec spec;
  spec.op = "RNN";
  spec.gates = 1;
  spec.activations_per_direction = 1;
  spec.default_activations = {"Tanh"};
  spec.cell = rnn_cell;
  return make_recurrent(ctx, std::move(spec));
}

}  // namespace coreinfer::recurrent
