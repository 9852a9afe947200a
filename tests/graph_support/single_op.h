// Builds one operator from a registry as a lone node and runs it on given tensors: what every
// operator group's tests do before comparing with their reference.
#pragma once

#include <string>
#include <vector>

#include "core/status.h"
#include "graph/graph.h"
#include "graph/op_kernel.h"
#include "graph/tensor.h"
#include "kernels/kernel_table.h"

namespace coreinfer::testing {

struct SingleOp {
  std::string op;                    // in the default domain
  const Attributes* attrs = nullptr;
  const std::vector<Tensor>* inputs = nullptr;  // an undefined Tensor is an absent optional input
  std::vector<bool> constant;        // per input: also handed to the build step as a constant
  std::vector<std::string> outputs;  // output names; "" marks an unused optional output
  int64_t opset = 21;
  int threads = 0;                   // 0: no pool (run inline); else a pool of that many, unpinned
  const kernels::KernelTable* table = nullptr;  // nullptr: this CPU's
};

// The op's outputs (undefined for unused ones), or its build/run error.
Result<std::vector<Tensor>> run_single_op(const OpRegistry& registry, const SingleOp& spec);

// "out0", "out1", ... for `n` outputs.
std::vector<std::string> output_names(size_t n);

}  // namespace coreinfer::testing
