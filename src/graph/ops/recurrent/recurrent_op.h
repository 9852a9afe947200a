// The shared part of RNN, GRU and LSTM: attributes, input checks, layouts, the input projection
// of every time step at once, and the time loop per direction. Each op supplies its cell: the
// update of the hidden (and cell) state of every batch row for one time step.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "graph/op_kernel.h"
#include "graph/ops/recurrent/gate_activation.h"

namespace coreinfer::recurrent {

// One time step of one direction for all batch rows.
struct CellStep {
  int64_t batch = 0, hidden = 0;
  const float* xw = nullptr;      // [batch][gates*hidden]: X_t·Wᵀ + Wb
  const float* h_prev = nullptr;  // [batch][hidden]
  const float* c_prev = nullptr;  // [batch][hidden], LSTM only
  float* h = nullptr;             // [batch][hidden], the new hidden state
  float* c = nullptr;             // [batch][hidden], LSTM only
  float* gates = nullptr;         // scratch [batch][gates*hidden]
  float* scratch = nullptr;       // scratch [batch][hidden]
};

// The weights of one direction.
struct DirectionWeights {
  const float* r = nullptr;   // R: [gates*hidden][hidden]
  const float* rb = nullptr;  // Rb: [gates*hidden], nullptr when B is absent
  const float* p = nullptr;   // LSTM peepholes [3*hidden] (i, o, f), nullptr when absent
  const GateActivation* acts = nullptr;  // this direction's activations
};

struct CellOptions {
  float clip = 0;  // 0: no clip
  bool linear_before_reset = false;  // GRU
  bool input_forget = false;         // LSTM
};

// Computes s.h (and s.c) from the step's inputs. `ctx` is for the recurrent GEMM.
using CellFn = void (*)(const OpRunContext& ctx, const DirectionWeights& w, const CellOptions& opt,
                        const CellStep& s);

struct RecurrentSpec {
  const char* op = "";  // "RNN", "GRU", "LSTM" (for messages)
  int gates = 1;        // 1, 3, 4
  int activations_per_direction = 1;
  std::vector<std::string> default_activations;
  bool has_cell_state = false;  // LSTM: initial_c, P inputs and the Y_c output
  CellFn cell = nullptr;
};

// Builds the kernel of a recurrent op from the node's attributes.
Result<std::unique_ptr<OpKernel>> make_recurrent(const OpBuildContext& ctx, RecurrentSpec spec);

// Clamps x[0..n) to [-clip, clip] when clip > 0 (the inputs of the activations).
void clip_values(float* x, int64_t n, float clip);
// out[b][0..m) = h[b]·R[0..m)ᵀ for every batch row (R row-major [m][hidden], h [batch][hidden]),
// overwriting out, whose rows are ld_out apart.
void recurrent_matmul(const OpRunContext& ctx, const float* h, int64_t batch, int64_t hidden, const float* r,
                      int64_t m, float* out, int64_t ld_out);

}  // namespace coreinfer::recurrent
