#include "nn_test_util.h"

#include <cmath>
#include <memory>

#include "graph/op_kernel.h"
#include "graph/ops/register.h"
#include "graph_support/single_op.h"
#include "kernels/kernel_table.h"

namespace coreinfer::nntest {

Result<std::vector<Tensor>> run_op(const OpCall& call) {
  OpRegistry registry;
  register_nn_ops(registry);
  // (the single-op runner looks in the default domain)
  if (!call.domain.empty()) {
    const OpFactory* factory = registry.find(call.domain, call.op);
    if (factory == nullptr) return not_found(call.domain + "::" + call.op + " is not registered");
    registry.add("", call.op, *factory);
  }
  kernels::KernelTable table = kernels::active();
  if (!call.isa.empty()) {
    kernels::Isa isa;
    if (!kernels::parse_isa(call.isa.c_str(), &isa) || !kernels::build_table(isa, &table))
      return unsupported("isa " + call.isa + " not available");
  }
  return testing::run_single_op(registry, {.op = call.op, .attrs = &call.attrs, .inputs = &call.inputs,
                                           .constant = call.constant, .outputs = testing::output_names(call.outputs),
                                           .opset = call.opset, .threads = call.threads, .table = &table});
}

Tensor random_tensor(Shape shape, std::mt19937& rng, float lo, float hi) {
  Tensor t = Tensor::allocate(ElemType::kFloat, std::move(shape)).value();
  std::uniform_real_distribution<float> dist(lo, hi);
  float* d = t.data<float>();
  for (int64_t i = 0; i < t.numel(); ++i) d[i] = dist(rng);
  return t;
}

void expect_close(const Tensor& actual, const std::vector<float>& expected, const std::vector<float>& scale,
                  double rtol, double tol_abs, const std::string& what) {
  ASSERT_EQ(actual.type(), ElemType::kFloat) << what;
  ASSERT_EQ(static_cast<size_t>(actual.numel()), expected.size()) << what << " shape " << shape_string(actual.shape());
  const float* a = actual.data<float>();
  int bad = 0;
  for (size_t i = 0; i < expected.size(); ++i) {
    const double s = scale.empty() ? std::fabs(expected[i]) : scale[i];
    const double tol = tol_abs + rtol * s;
    if (!(std::fabs(static_cast<double>(a[i]) - expected[i]) <= tol)) {
      if (++bad <= 5)
        ADD_FAILURE() << what << ": element " << i << " is " << a[i] << ", expected " << expected[i] << " (tol "
                      << tol << ")";
    }
  }
  EXPECT_EQ(bad, 0) << what << ": " << bad << " of " << expected.size() << " elements differ";
}

}  // namespace coreinfer::nntest
