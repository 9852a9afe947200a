// LSTM, gates i (input), o (output), f (forget), c (cell candidate) in that order in W, R and B;
// peepholes P in the order i, o, f:
//   i = f(X·Wiᵀ + H·Riᵀ + Pi ⊙ C + Wbi + Rbi),  f = f(... Pf ⊙ C ...)  (input_forget: f = 1 - i)
//   c = g(X·Wcᵀ + H·Rcᵀ + Wbc + Rbc),           C' = f ⊙ C + i ⊙ c
//   o = f(X·Woᵀ + H·Roᵀ + Po ⊙ C' + Wbo + Rbo), H' = o ⊙ h(C')
// clip bounds the inputs of the gate activations (not of h(C')).
#include "graph/ops/recurrent/recurrent_op.h"
#include "graph/ops/recurrent/recurrent_ops.h"

namespace coreinfer::recurrent {
namespace {

void lstm_cell(const OpRunContext& ctx, const DirectionWeights& w, const CellOptions& opt, const CellStep& s) {
  const int64_t hs = s.hidden, gh = 4 * hs;
  recurrent_matmul(ctx, s.h_prev, s.batch, hs, w.r, gh, s.gates, gh);
  const float* pi = w.p;
  const float* po = w.p ? w.p + hs : nullptr;
  const float* pf = w.p ? w.p + 2 * hs : nullptr;
  for (int64_t b = 0; b < s.batch; ++b) {
    float* g = s.gates + b * gh;
    const float* xw = s.xw + b * gh;
    for (int64_t j = 0; j < gh; ++j) g[j] += xw[j] + (w.rb ? w.rb[j] : 0.0f);
    float* gi = g;
    float* go = g + hs;
    float* gf = g + 2 * hs;
    float* gc = g + 3 * hs;
    const float* c_prev = s.c_prev + b * hs;
    if (pi)
      for (int64_t j = 0; j < hs; ++j) {
        gi[j] += pi[j] * c_prev[j];
        gf[j] += pf[j] * c_prev[j];
      }
    clip_values(gi, hs, opt.clip);
    clip_values(gf, hs, opt.clip);
    clip_values(gc, hs, opt.clip);
    w.acts[0].apply(gi, hs);
    if (opt.input_forget) {
      for (int64_t j = 0; j < hs; ++j) gf[j] = 1.0f - gi[j];
    } else {
      w.acts[0].apply(gf, hs);
    }
    w.acts[1].apply(gc, hs);
    float* c = s.c + b * hs;
    for (int64_t j = 0; j < hs; ++j) c[j] = gf[j] * c_prev[j] + gi[j] * gc[j];
    if (po)
      for (int64_t j = 0; j < hs; ++j) go[j] += po[j] * c[j];
    clip_values(go, hs, opt.clip);
    w.acts[0].apply(go, hs);
    float* h = s.h + b * hs;
    for (int64_t j = 0; j < hs; ++j) h[j] = c[j];
    w.acts[2].apply(h, hs);
    for (int64_t j = 0; j < hs; ++j) h[j] *= go[j];
  }
}

}  // namespace

Result<std::unique_ptr<OpKernel>> make_lstm(const OpBuildContext& ctx) {
  RecurrentSpec spec;
  spec.op = "LSTM";
  spec.gates = 4;
  spec.activations_per_direction = 3;
  spec.default_activations = {"Sigmoid", "Tanh", "Tanh"};
  spec.has_cell_state = true;
  spec.cell = lstm_cell;
  return make_recurrent(ctx, std::move(spec));
}

}  // namespace coreinfer::recurrent
