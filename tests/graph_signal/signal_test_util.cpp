#include "signal_test_util.h"

#include <cmath>
#include <numbers>

#include "core/thread_pool.h"
#include "graph/op_kernel.h"
#include "graph/ops/register.h"
#include "kernels/kernel_table.h"

namespace coreinfer::sigtest {

Result<std::vector<Tensor>> run_op(const OpCall& call) {
  OpRegistry registry;
  register_signal_ops(registry);
  const OpFactory* factory = registry.find("", call.op);
  if (factory == nullptr) return not_found("no op " + call.op);
  Node node;
  node.name = "n";
  node.op_type = call.op;
  node.attrs = call.attrs;
  std::vector<const Tensor*> consts, ins;
  for (size_t i = 0; i < call.inputs.size(); ++i) {
    const bool present = call.inputs[i].defined();
    node.inputs.push_back(present ? "in" + std::to_string(i) : "");
    consts.push_back(nullptr);
    ins.push_back(present ? &call.inputs[i] : nullptr);
  }
  node.outputs.push_back("out0");
  const kernels::KernelTable& table = kernels::active();
  OpBuildContext bctx{node, call.opset, consts, table};
  CI_ASSIGN_OR_RETURN(auto kernel, (*factory)(bctx));
  ThreadPoolOptions po;
  po.threads = call.threads;
  po.pin = false;
  ThreadPool pool(po);
  std::vector<Tensor> outs(1);
  OpRunContext rctx{ins, outs, &pool, table};
  CI_RETURN_IF_ERROR(kernel->run(rctx));
  return outs;
}

std::string op_error(const OpCall& call) {
  auto r = run_op(call);
  return r.is_ok() ? std::string() : r.status().to_string();
}

std::vector<double> random_values(size_t n, std::mt19937& rng) {
  std::uniform_real_distribution<double> dist(-1.0, 1.0);
  std::vector<double> v(n);
  for (auto& x : v) x = dist(rng);
  return v;
}

std::vector<std::complex<double>> naive_dft(const std::vector<std::complex<double>>& x, int sign) {
  const size_t n = x.size();
  std::vector<std::complex<double>> out(n);
  for (size_t k = 0; k < n; ++k) {
    std::complex<double> sum{};
    for (size_t j = 0; j < n; ++j) {
      const double angle = sign * 2.0 * std::numbers::pi * static_cast<double>((j * k) % n) / static_cast<double>(n);
      sum += x[j] * std::complex<double>(std::cos(angle), std::sin(angle));
    }
    out[k] = sum;
  }
  return out;
}

}  // namespace coreinfer::sigtest
