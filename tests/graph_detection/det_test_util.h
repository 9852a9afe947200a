// Helpers for the detection op tests: run one op through its registered factory on a thread pool.
#pragma once

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "core/status.h"
#include "graph/graph.h"
#include "graph/tensor.h"

namespace coreinfer::dettest {

struct OpCall {
  std::string op;
  Attributes attrs;
  std::vector<Tensor> inputs;  // undefined Tensor = absent optional input
  int64_t opset = 16;
  int threads = 2;
};

Result<Tensor> run_op(const OpCall& call);

Tensor random_tensor(Shape shape, std::mt19937& rng, float lo = -1.0f, float hi = 1.0f);

// Expects |actual - expected| <= tol_abs + rtol * |expected| for every element (NaN matches NaN).
void expect_close(const Tensor& actual, const std::vector<float>& expected, double rtol, double tol_abs,
                  const std::string& what);

}  // namespace coreinfer::dettest
