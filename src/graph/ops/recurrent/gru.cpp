// GRU, gates z (update), r (reset), h (candidate) in that order in W, R and B:
//   z = f(X·Wzᵀ + H·Rzᵀ + Wbz + Rbz),  r = f(X·Wrᵀ + H·Rrᵀ + Wbr + Rbr)
//   h = g(X·Whᵀ + (r ⊙ H)·Rhᵀ + Rbh + Wbh)          (linear_before_reset = 0)
//   h = g(X·Whᵀ + r ⊙ (H·Rhᵀ + Rbh) + Wbh)          (linear_before_reset = 1)
//   H' = (1 - z) ⊙ h + z ⊙ H
#include "graph/ops/recurrent/recurrent_op.h"
#include "graph/ops/recurrent/recurrent_ops.h"

namespace coreinfer::recurrent {
namespace {

void gru_cell(const OpRunContext& ctx, const DirectionWeights& w, const CellOptions& opt, const CellStep& s) {
  const int64_t hs = s.hidden, gh = 3 * hs;
  const bool lbr = opt.linear_before_reset;
  // H·Rᵀ for z and r (and h when the reset gate applies after the product).
  recurrent_matmul(ctx, s.h_prev, s.batch, hs, w.r, lbr ? gh : 2 * hs, s.gates, gh);
  for (int64_t b = 0; b < s.batch; ++b) {
    float* g = s.gates + b * gh;
    const float* xw = s.xw + b * gh;
    for (int64_t j = 0; j < 2 * hs; ++j) g[j] += xw[j] + (w.rb ? w.rb[j] : 0.0f);
    clip_values(g, 2 * hs, opt.clip);
    w.acts[0].apply(g, 2 * hs);
    const float* r = g + hs;
    const float* h_prev = s.h_prev + b * hs;
    if (lbr) {
      float* hh = g + 2 * hs;
      for (int64_t j = 0; j < hs; ++j) hh[j] = xw[2 * hs + j] + r[j] * (hh[j] + (w.rb ? w.rb[2 * hs + j] : 0.0f));
    } else {
      for (int64_t j = 0; j < hs; ++j) s.scratch[b * hs + j] = r[j] * h_prev[j];
    }
  }
  if (!lbr) {
    recurrent_matmul(ctx, s.scratch, s.batch, hs, w.r + 2 * hs * hs, hs, s.gates + 2 * hs, gh);
    for (int64_t b = 0; b < s.batch; ++b) {
      float* hh = s.gates + b * gh + 2 * hs;
      const float* xw = s.xw + b * gh + 2 * hs;
      for (int64_t j = 0; j < hs; ++j) hh[j] += xw[j] + (w.rb ? w.rb[2 * hs + j] : 0.0f);
    }
  }
  for (int64_t b = 0; b < s.batch; ++b) {
    float* g = s.gates + b * gh;
    float* hh = g + 2 * hs;
    clip_values(hh, hs, opt.clip);
    w.acts[1].apply(hh, hs);
    const float* h_prev = s.h_prev + b * hs;
    float* h = s.h + b * hs;
    for (int64_t j = 0; j < hs; ++j) h[j] = (1.0f - g[j]) * hh[j] + g[j] * h_prev[j];
  }
}

}  // namespace

Result<std::unique_ptr<OpKernel>> make_gru(const OpBuildContext& ctx) {
  RecurrentSpec spec;
  spec.op = "GRU";
  spec.gates = 3;
  spec.activations_per_direction = 2;
  spec.default_activations = {"Sigmoid", "Tanh"};
  spec.cell = gru_cell;
  return make_recurrent(ctx, std::move(spec));
}

}  // namespace coreinfer::recurrent
