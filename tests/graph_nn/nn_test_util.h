// Helpers for the nn op tests: run one op through its registered factory (optionally with
// constant inputs, as a Session would build it), random tensors, and a tolerance check scaled
// by the magnitude of the sum each output came from.
#pragma once

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "core/status.h"
#include "graph/graph.h"
#include "graph/tensor.h"

namespace coreinfer::nntest {

struct OpCall {
  std::string op;
  Attributes attrs;
  std::vector<Tensor> inputs;      // undefined Tensor = absent optional input
  std::vector<bool> constant;      // per input: given to the factory as a constant (default: none)
  size_t outputs = 1;
  int64_t opset = 17;
  int threads = 2;
  std::string isa;                 // "" = this CPU's table, else a kernels::Isa name (e.g. "scalar")
  std::string domain;              // "" = the default domain
};

Result<std::vector<Tensor>> run_op(const OpCall& call);

Tensor random_tensor(Shape shape, std::mt19937& rng, float lo = -1.0f, float hi = 1.0f);

// Expects |actual - expected| <= tol_abs + rtol * scale[i] for every element (scale: the sum of
// |terms| that formed expected[i]; pass an empty vector to use |expected|).
void expect_close(const Tensor& actual, const std::vector<float>& expected, const std::vector<float>& scale,
                  double rtol, double tol_abs, const std::string& what);

}  // namespace coreinfer::nntest
