#include "graph/ops/control/subgraph.h"

#include <algorithm>

#include "graph/passes.h"

namespace coreinfer {

Result<std::unique_ptr<Subgraph>> Subgraph::build(const OpBuildContext& ctx, const std::string& attr) {
  const Attribute* a = ctx.attrs().find(attr);
  if (a == nullptr || a->kind != Attribute::Kind::kGraph || a->g == nullptr)
    return invalid_argument("attribute '" + attr + "' (a graph) is missing");
  if (ctx.registry == nullptr)
    return internal_error("building subgraph '" + attr + "' needs the operator registry (OpBuildContext::registry)");
  auto sub = std::make_unique<Subgraph>();
  sub->attr_ = attr;
  Graph body = *a->g;
  if (!body.opsets.count("")) body.opsets[""] = ctx.opset;
  sub->inputs_ = body.inputs;
  sub->outputs_ = body.outputs;
  // Loop-carried values may change shape from one iteration to the next: the declared shapes
  // of the body's inputs are not checked, nor used to fold Shape.
  for (ValueInfo& vi : body.inputs) {
    vi.shape.clear();
    vi.dim_names.clear();
    vi.has_shape = false;
  }
  body.value_info.clear();

  const std::vector<std::string> free = free_values(body);
  const size_t first = ctx.node.declared_inputs();
  for (size_t k = 0; k < ctx.node.captures.size(); ++k) {
    const std::string& name = ctx.node.captures[k];
    if (std::find(free.begin(), free.end(), name) == free.end()) continue;  // the other branch's
    if (const Tensor* c = ctx.constant(first + k)) {
      body.initializers[name] = *c;
    } else {
      ValueInfo vi;
      vi.name = name;
      body.inputs.push_back(vi);
      sub->fed_captures_.emplace_back(name, first + k);
    }
  }
  SessionOptions so;
  so.threads = 1;  // runs on the pool of the session running the node
  so.optimize = ctx.optimize;
  so.kernels = &ctx.kernels;
  auto session = Session::create(std::move(body), *ctx.registry, so);
  if (!session.is_ok())
    return Status(session.status().code(), "subgraph '" + attr + "': " + session.status().message());
  sub->session_ = std::move(session).value();
  return sub;
}

Result<std::vector<Tensor>> Subgraph::run(const OpRunContext& ctx, std::vector<Tensor> formal) const {
  if (formal.size() != inputs_.size())
    return internal_error("subgraph '" + attr_ + "' takes " + std::to_string(inputs_.size()) + " inputs, given " +
                          std::to_string(formal.size()));
  std::vector<NamedTensor> feeds;
  feeds.reserve(formal.size() + fed_captures_.size());
  for (size_t i = 0; i < formal.size(); ++i) feeds.emplace_back(inputs_[i].name, std::move(formal[i]));
  for (const auto& [name, index] : fed_captures_) {
    const Tensor* t = ctx.input(index);
    if (t == nullptr) return internal_error("subgraph '" + attr_ + "': outer value '" + name + "' has no value");
    feeds.emplace_back(name, *t);
  }
  auto outs = session_->run(feeds, ctx.pool);
  if (!outs.is_ok()) return Status(outs.status().code(), "subgraph '" + attr_ + "': " + outs.status().message());
  return outs;
}

}  // namespace coreinfer
