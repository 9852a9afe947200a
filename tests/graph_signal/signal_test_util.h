// Helpers for the signal op tests: run one op through its registered factory, random signals,
// and a naive double-precision DFT (the reference every transform is checked against).
#pragma once

#include <gtest/gtest.h>

#include <complex>
#include <random>
#include <string>
#include <vector>

#include "core/status.h"
#include "graph/graph.h"
#include "graph/tensor.h"

namespace coreinfer::sigtest {

struct OpCall {
  std::string op;
  Attributes attrs;
  std::vector<Tensor> inputs;  // undefined Tensor = absent optional input
  int64_t opset = 17;
  int threads = 2;
};

Result<std::vector<Tensor>> run_op(const OpCall& call);
// Only the op's error message (empty when it succeeded).
std::string op_error(const OpCall& call);

std::vector<double> random_values(size_t n, std::mt19937& rng);

// X_k = sum_j x_j exp(sign * 2*pi*i*j*k/n), each angle reduced exactly (j*k mod n) first.
std::vector<std::complex<double>> naive_dft(const std::vector<std::complex<double>>& x, int sign);

}  // namespace coreinfer::sigtest
