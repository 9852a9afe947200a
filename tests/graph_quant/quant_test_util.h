// Helpers for the quant operator tests: run one node through the registry, make tensors, and
// the scalar reference rounding.
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "core/thread_pool.h"
#include "graph/op_kernel.h"
#include "graph/ops/register.h"
#include "kernels/kernel_table.h"

namespace coreinfer::quant_test {

// Runs a node: inputs (an undefined Tensor marks an absent optional input), attributes, the
// number of outputs; `constant[i]` makes input i visible to the build step (packing).
inline Result<std::vector<Tensor>> run_op(const std::string& domain, const std::string& op, const std::vector<Tensor>& inputs,
                                          const Attributes& attrs = {}, size_t n_outputs = 1,
                                          const std::vector<bool>& constant = {}, ThreadPool* pool = nullptr,
                                          int64_t opset = 13) {
  OpRegistry reg;
  register_quant_ops(reg);
  const OpFactory* f = reg.find(domain, op);
  if (f == nullptr) return not_found("op " + op + " not registered");
  Node node;
  node.name = "n";
  node.op_type = op;
  node.domain = domain;
  node.attrs = attrs;
  for (size_t i = 0; i < inputs.size(); ++i) node.inputs.push_back(inputs[i].defined() ? "in" + std::to_string(i) : "");
  for (size_t i = 0; i < n_outputs; ++i) node.outputs.push_back("out" + std::to_string(i));
  std::vector<const Tensor*> consts(inputs.size(), nullptr), ins(inputs.size(), nullptr);
  for (size_t i = 0; i < inputs.size(); ++i) {
    if (!inputs[i].defined()) continue;
    ins[i] = &inputs[i];
    if (i < constant.size() && constant[i]) consts[i] = &inputs[i];
  }
  OpBuildContext bctx{node, opset, consts, kernels::active()};
  CI_ASSIGN_OR_RETURN(auto kernel, (*f)(bctx));
  std::vector<Tensor> outs(n_outputs);
  OpRunContext rctx{ins, outs, pool, kernels::active()};
  CI_RETURN_IF_ERROR(kernel->run(rctx));
  return outs;
}

template <typename T>
Tensor make(Shape shape, const std::vector<T>& v) {
  return Tensor::from_vector<T>(std::move(shape), v);
}
template <typename T>
Tensor scalar(T v) {
  return Tensor::from_vector<T>({}, {v});
}

template <typename T>
std::vector<T> random_ints(size_t n, int lo, int hi, std::mt19937& rng) {
  std::uniform_int_distribution<int> d(lo, hi);
  std::vector<T> v(n);
  for (auto& x : v) x = static_cast<T>(d(rng));
  return v;
}

template <typename T>
std::vector<T> values(const Tensor& t) {
  return std::vector<T>(t.data<T>(), t.data<T>() + t.numel());
}

// The reference requantisation: float(acc) * scale, round half to even, add zp, saturate.
inline int32_t ref_requant(int64_t acc, float scale, int32_t zp, int32_t lo, int32_t hi) {
  const float v = static_cast<float>(acc) * scale;
  const double r = std::nearbyint(static_cast<double>(v)) + zp;
  return static_cast<int32_t>(std::min<double>(hi, std::max<double>(lo, r)));
}

}  // namespace coreinfer::quant_test
