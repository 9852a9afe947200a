#include "det_test_util.h"

#include <cmath>

#include "graph/op_kernel.h"
#include "graph/ops/register.h"
#include "graph_support/single_op.h"
#include "kernels/kernel_table.h"

namespace coreinfer::dettest {

Result<Tensor> run_op(const OpCall& call) {
  OpRegistry registry;
  register_detection_ops(registry);
  testing::SingleOp spec{.op = call.op, .attrs = &call.attrs, .inputs = &call.inputs, .constant = {},
                         .outputs = {"out0"}, .opset = call.opset, .threads = call.threads};
  CI_ASSIGN_OR_RETURN(auto outs, testing::run_single_op(registry, spec));
  return outs[0];
}

Tensor random_tensor(Shape shape, std::mt19937& rng, float lo, float hi) {
  Tensor t = Tensor::allocate(ElemType::kFloat, std::move(shape)).value();
  std::uniform_real_distribution<float> dist(lo, hi);
  float* d = t.data<float>();
  for (int64_t i = 0; i < t.numel(); ++i) d[i] = dist(rng);
  return t;
}

void expect_close(const Tensor& actual, const std::vector<float>& expected, double rtol, double tol_abs,
                  const std::string& what) {
  ASSERT_EQ(actual.type(), ElemType::kFloat) << what;
  ASSERT_EQ(static_cast<size_t>(actual.numel()), expected.size()) << what << " shape " << shape_string(actual.shape());
  const float* a = actual.data<float>();
  int bad = 0;
  for (size_t i = 0; i < expected.size(); ++i) {
    if (std::isnan(expected[i]) && std::isnan(a[i])) continue;
    const double tol = tol_abs + rtol * std::fabs(expected[i]);
    if (!(std::fabs(static_cast<double>(a[i]) - expected[i]) <= tol)) {
      if (++bad <= 5)
        ADD_FAILURE() << what << ": element " << i << " is " << a[i] << ", expected " << expected[i] << " (tol " << tol
                      << ")";
    }
  }
  EXPECT_EQ(bad, 0) << what << ": " << bad << " of " << expected.size() << " elements differ";
}

}  // namespace coreinfer::dettest
