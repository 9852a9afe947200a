#include "nn_test_util.h"

#include <cmath>
#include <memory>

#include "core/thread_pool.h"
#include "graph/op_kernel.h"
#include "graph/ops/register.h"
#include "kernels/kernel_table.h"

namespace coreinfer::nntest {

Result<std::vector<Tensor>> run_op(const OpCall& call) {
  OpRegistry registry;
  register_nn_ops(registry);
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
    const bool is_const = present && i < call.constant.size() && call.constant[i];
    consts.push_back(is_const ? &call.inputs[i] : nullptr);
    ins.push_back(present ? &call.inputs[i] : nullptr);
  }
  for (size_t o = 0; o < call.outputs; ++o) node.outputs.push_back("out" + std::to_string(o));
  kernels::KernelTable table = kernels::active();
  if (!call.isa.empty()) {
    kernels::Isa isa;
    if (!kernels::parse_isa(call.isa.c_str(), &isa) || !kernels::build_table(isa, &table))
      return unsupported("isa " + call.isa + " not available");
  }
  OpBuildContext bctx{node, call.opset, consts, table};
  CI_ASSIGN_OR_RETURN(auto kernel, (*factory)(bctx));
  ThreadPoolOptions po;
  po.threads = call.threads;
  po.pin = false;
  ThreadPool pool(po);
  std::vector<Tensor> outs(call.outputs);
  OpRunContext rctx{ins, outs, &pool, table};
  CI_RETURN_IF_ERROR(kernel->run(rctx));
  return outs;
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
