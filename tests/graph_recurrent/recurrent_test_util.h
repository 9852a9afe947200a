// Helpers for the recurrent op tests: run one op through the registry, and a scalar double
// reference of RNN / GRU / LSTM written straight from the ONNX equations, one (time, batch) at a time.
#pragma once

#include <random>
#include <string>
#include <vector>

#include "core/status.h"
#include "graph/graph.h"
#include "graph/tensor.h"

namespace coreinfer::rectest {

struct OpCall {
  std::string op;
  Attributes attrs;
  std::vector<Tensor> inputs;        // undefined Tensor = absent optional input
  std::vector<std::string> outputs;  // "" = unused optional output
  int64_t opset = 14;
  bool threaded = false;
};

// The op's outputs (undefined for unused ones), or the build/run error.
Result<std::vector<Tensor>> run_op(const OpCall& call);

Tensor random_tensor(Shape shape, std::mt19937& rng, float lo = -1.0f, float hi = 1.0f);

// One activation with its parameters as the reference applies it.
struct RefAct {
  std::string name;
  double alpha = 0, beta = 0;
};
double ref_activation(const RefAct& a, double x);

enum class Kind { kRnn, kGru, kLstm };

struct RefCase {
  Kind kind = Kind::kRnn;
  int64_t seq = 1, batch = 1, input = 1, hidden = 1;
  std::string direction = "forward";
  int64_t layout = 0;
  bool with_b = false, with_h0 = false, with_c0 = false, with_p = false;
  std::vector<int32_t> seq_lens;  // empty: absent
  float clip = 0;                 // 0: absent
  bool linear_before_reset = false, input_forget = false;
  std::vector<RefAct> acts;  // per direction, all directions; empty: the op's defaults
};

struct RefInputs {
  Tensor x, w, r, b, seq_lens, h0, c0, p;  // undefined = absent
};
RefInputs make_inputs(const RefCase& c, std::mt19937& rng);

struct RefOutputs {
  Shape y_shape, state_shape;
  std::vector<double> y, yh, yc;
};
RefOutputs reference(const RefCase& c, const RefInputs& in);

}  // namespace coreinfer::rectest
