#include "graph_support/single_op.h"

#include <memory>

#include "core/thread_pool.h"

namespace coreinfer::testing {

Result<std::vector<Tensor>> run_single_op(const OpRegistry& registry, const SingleOp& spec) {
  const OpFactory* factory = registry.find("", spec.op);
  if (factory == nullptr) return not_found("op " + spec.op + " is not registered");
  Node node;
  node.name = "n";
  node.op_type = spec.op;
  if (spec.attrs) node.attrs = *spec.attrs;
  std::vector<const Tensor*> consts, ins;
  if (spec.inputs) {
    for (size_t i = 0; i < spec.inputs->size(); ++i) {
      const Tensor& t = (*spec.inputs)[i];
      const bool present = t.defined();
      node.inputs.push_back(present ? "in" + std::to_string(i) : "");
      ins.push_back(present ? &t : nullptr);
      consts.push_back(present && i < spec.constant.size() && spec.constant[i] ? &t : nullptr);
    }
  }
  node.outputs = spec.outputs;
  const kernels::KernelTable& table = spec.table ? *spec.table : kernels::active();
  OpBuildContext bctx{node, spec.opset, consts, table};
  CI_ASSIGN_OR_RETURN(auto kernel, (*factory)(bctx));
  std::unique_ptr<ThreadPool> pool;
  if (spec.threads > 0) pool = std::make_unique<ThreadPool>(ThreadPoolOptions{spec.threads, {}, false});
  std::vector<Tensor> outs(spec.outputs.size());
  OpRunContext rctx{ins, outs, pool.get(), table};
  CI_RETURN_IF_ERROR(kernel->run(rctx));
  return outs;
}

std::vector<std::string> output_names(size_t n) {
  std::vector<std::string> names;
  for (size_t i = 0; i < n; ++i) names.push_back("out" + std::to_string(i));
  return names;
}

}  // namespace coreinfer::testing
