// Runs ONNX test directories (model.onnx + test_data_set_N/{input,output}_K.pb), the layout of the
// ONNX backend node tests and of tests/data/onnx: loads, runs and compares each data set.
#pragma once

#include <optional>
#include <string>

#include "core/status.h"
#include "graph/op_kernel.h"
#include "graph/tensor.h"

namespace coreinfer {

struct Tolerance {
  double rtol = 1e-3;  // the ONNX backend test defaults
  double atol = 1e-7;
};

struct ConformanceOptions {
  std::optional<double> rtol, atol;  // override the defaults and meta.json
  int threads = 1;
  bool optimize = true;
};

struct CaseResult {
  enum class Outcome { kPassed, kFailed, kSkipped };
  std::string name;  // the directory's name
  Outcome outcome = Outcome::kFailed;
  std::string detail;  // why it failed or was skipped
  int data_sets = 0;
};

// |actual - expected| <= atol + rtol * |expected| element-wise (NaN equals NaN); types and shapes
// must match exactly. OK, or an error describing the first and worst mismatch.
Status compare_tensors(const Tensor& actual, const Tensor& expected, const Tolerance& tol);

// Runs every data set of the case in `dir`. A case is skipped only when the model uses an operator
// or a data type the engine does not support (the detail says which).
CaseResult run_conformance_case(const std::string& dir, const OpRegistry& registry, const ConformanceOptions& options);

}  // namespace coreinfer
