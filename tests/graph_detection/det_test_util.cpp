#include "det_test_util.h"

#include <cmath>

#include "core/thread_pool.h"
#include "graph/op_kernel.h"
#include "graph/ops/register.h"
#include "kernels/kernel_table.h"

namespace coreinfer::dettest {

Result<Tensor> run_op(const OpCall& call) {
  OpRegistry registry;
  register_detection_ops(registry);
  const OpFactory* factory = registry.find("", call.op);
  if (factory == nullptr) return not_found("no op " + call.op);
  Node node;
  node.name = "n";
  node.op_type = call.op;
  node.attrs = call.attrs;
  std::vector<const Tensor*> consts(call.inputs.size(), nullptr), ins;
  for (size_t i = 0; i < call.inputs.size(); ++i) {
    const bool present = call.inputs[i].defined();
    node.inputs.push_back(present ? "in" + std::to_string(i) : "");
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
