// Runs one element-wise op through the registry the way the executor does: build the kernel from
// a node, then run it on the given inputs (an undefined Tensor is an absent optional input).
#pragma once

#include <cmath>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "core/thread_pool.h"
#include "graph/op_kernel.h"
#include "graph/ops/register.h"
#include "kernels/kernel_table.h"

namespace coreinfer::test {

inline const OpRegistry& elementwise_registry() {
  static const OpRegistry r = [] {
    OpRegistry reg;
    register_elementwise_ops(reg);
    return reg;
  }();
  return r;
}

struct OpCall {
  std::string op;
  std::vector<Tensor> inputs;
  Attributes attrs;
  int64_t opset = 17;
  ThreadPool* pool = nullptr;
};

inline Result<Tensor> run_op(const OpCall& call) {
  const OpFactory* factory = elementwise_registry().find("", call.op);
  if (factory == nullptr) return not_found("no op " + call.op);
  Node node;
  node.name = "test";
  node.op_type = call.op;
  node.attrs = call.attrs;
  std::vector<const Tensor*> constants(call.inputs.size(), nullptr), inputs;
  for (size_t i = 0; i < call.inputs.size(); ++i) {
    node.inputs.push_back(call.inputs[i].defined() ? "in" + std::to_string(i) : "");
    inputs.push_back(call.inputs[i].defined() ? &call.inputs[i] : nullptr);
  }
  node.outputs = {"out"};
  OpBuildContext build{node, call.opset, constants, kernels::active()};
  auto kernel = (*factory)(build);
  if (!kernel.is_ok()) return kernel.status();
  std::vector<Tensor> outputs(1);
  OpRunContext run{inputs, outputs, call.pool, kernels::active()};
  Status st = (*kernel)->run(run);
  if (!st.is_ok()) return st;
  return outputs[0];
}

inline Result<Tensor> run_op(const std::string& op, std::vector<Tensor> inputs, Attributes attrs = {},
                             int64_t opset = 17) {
  return run_op(OpCall{op, std::move(inputs), std::move(attrs), opset, nullptr});
}

template <typename T>
std::vector<T> values_of(const Tensor& t) {
  return std::vector<T>(t.data<T>(), t.data<T>() + t.numel());
}

inline std::vector<float> random_floats(size_t n, float lo, float hi, uint32_t seed = 7) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> dist(lo, hi);
  std::vector<float> v(n);
  for (float& x : v) x = dist(rng);
  return v;
}

// Flat offset into an input of shape `in` of the output element at flat index `o` of `out`,
// by explicit multi-index arithmetic (the reference for broadcasting).
inline int64_t broadcast_source_index(int64_t o, const Shape& out, const Shape& in) {
  std::vector<int64_t> idx(out.size());
  for (size_t d = out.size(); d-- > 0;) {
    idx[d] = o % out[d];
    o /= out[d];
  }
  int64_t off = 0;
  const size_t shift = out.size() - in.size();
  for (size_t d = 0; d < in.size(); ++d) off = off * in[d] + (in[d] == 1 ? 0 : idx[shift + d]);
  return off;
}

// |actual - expected| <= abs + rel * |expected|, NaN matching NaN.
inline bool close(double actual, double expected, double abs_tol, double rel_tol) {
  if (std::isnan(expected)) return std::isnan(actual);
  if (std::isinf(expected)) return actual == expected;
  return std::fabs(actual - expected) <= abs_tol + rel_tol * std::fabs(expected);
}

}  // namespace coreinfer::test
