#include "signal_test_util.h"

#include <cmath>
#include <numbers>

#include "graph/op_kernel.h"
#include "graph/ops/register.h"
#include "graph_support/single_op.h"
#include "kernels/kernel_table.h"

namespace coreinfer::sigtest {

Result<std::vector<Tensor>> run_op(const OpCall& call) {
  OpRegistry registry;
  register_signal_ops(registry);
  return testing::run_single_op(registry, {.op = call.op, .attrs = &call.attrs, .inputs = &call.inputs,
                                           .constant = {}, .outputs = {"out0"}, .opset = call.opset,
                                           .threads = call.threads});
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
