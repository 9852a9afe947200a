#include "graph/session.h"

#include <algorithm>
#include <chrono>
#include <unordered_map>

#include "core/thread_pool.h"
#include "graph/buffer_pool.h"
#include "graph/passes.h"
#include "kernels/kernel_table.h"

namespace coreinfer {

struct Session::Step {
  const Node* node = nullptr;
  std::unique_ptr<OpKernel> kernel;
  std::vector<int> in;   // value ids, -1 for an absent optional input
  std::vector<int> out;  // value ids, -1 for an unused optional output
  double seconds = 0;    // profiling
  int64_t calls = 0;
};

Session::~Session() = default;

int Session::threads() const { return pool_ ? pool_->size() : 1; }

size_t Session::buffer_allocations() const { return buffers_ ? buffers_->allocations() : 0; }

namespace {
void collect_unsupported_ops(const Graph& graph, const OpRegistry& registry, std::vector<std::string>& missing) {
  for (const Node& n : graph.nodes) {
    for (const auto& [name, a] : n.attrs.all())
      if (a.kind == Attribute::Kind::kGraph && a.g) collect_unsupported_ops(*a.g, registry, missing);
    if (registry.has(n.domain, n.op_type)) continue;
    const std::string op = n.domain.empty() ? n.op_type : n.domain + "::" + n.op_type;
    bool seen = false;
    for (const auto& m : missing) seen = seen || m.rfind(op + " ", 0) == 0;
    if (!seen) missing.push_back(op + " (" + n.describe() + ")");
  }
}
}  // namespace

std::vector<std::string> unsupported_ops(const Graph& graph, const OpRegistry& registry) {
  std::vector<std::string> missing;
  collect_unsupported_ops(graph, registry, missing);
  return missing;
}

Result<std::unique_ptr<Session>> Session::create(Graph graph, const OpRegistry& registry, SessionOptions options) {
  std::unique_ptr<Session> s(new Session());
  s->graph_ = std::move(graph);
  s->options_ = std::move(options);
  if (s->options_.kernels == nullptr) s->options_.kernels = &kernels::active();

  const auto missing = unsupported_ops(s->graph_, registry);
  if (!missing.empty()) {
    std::string list;
    for (const auto& m : missing) list += (list.empty() ? "" : ", ") + m;
    return unsupported("the model uses operators coreinfer does not implement: " + list);
  }
  bind_subgraph_captures(s->graph_);
  CI_RETURN_IF_ERROR(topological_sort(s->graph_));
  if (s->options_.optimize) {
    CI_RETURN_IF_ERROR(optimize_graph(s->graph_, registry, *s->options_.kernels));
  } else {
    remove_dead_nodes(s->graph_);
  }
  ThreadPoolOptions po;
  po.threads = s->options_.threads;
  po.cpus = s->options_.cpus;
  s->pool_ = std::make_unique<ThreadPool>(po);
  s->buffers_ = std::make_unique<BufferPool>();
  CI_RETURN_IF_ERROR(s->build(registry));
  return s;
}

Status Session::build(const OpRegistry& registry) {
  std::unordered_map<std::string, int> ids;
  auto id_of = [&](const std::string& name) {
    auto [it, inserted] = ids.emplace(name, static_cast<int>(value_names_.size()));
    if (inserted) {
      value_names_.push_back(name);
      constants_.emplace_back();
    }
    return it->second;
  };
  for (const ValueInfo& vi : graph_.inputs) {
    if (graph_.initializers.count(vi.name)) continue;  // old exporters list weights as inputs too
    input_ids_.push_back(id_of(vi.name));
  }
  for (auto& [name, t] : graph_.initializers) constants_[id_of(name)] = t;
  // Every value gets its id before pointers into constants_ are taken below (no reallocation).
  for (const Node& node : graph_.nodes)
    for (const std::string& out : node.outputs)
      if (!out.empty()) id_of(out);

  for (const Node& node : graph_.nodes) {
    Step step;
    step.node = &node;
    std::vector<const Tensor*> consts;
    for (const std::string& in : node.inputs) {
      if (in.empty()) {
        step.in.push_back(-1);
        consts.push_back(nullptr);
        continue;
      }
      auto it = ids.find(in);
      if (it == ids.end())
        return corrupt(node.describe() + ": input '" + in + "' is not a graph input, an initializer or an earlier node's output");
      step.in.push_back(it->second);
      consts.push_back(constants_[it->second].defined() ? &constants_[it->second] : nullptr);
    }
    for (const std::string& out : node.outputs) step.out.push_back(out.empty() ? -1 : id_of(out));
    const OpFactory* factory = registry.find(node.domain, node.op_type);
    if (factory == nullptr) return unsupported(node.describe() + ": operator not implemented");
    OpBuildContext bctx{node, graph_.opset(node.domain), consts, *options_.kernels, &registry, options_.optimize};
    auto kernel = (*factory)(bctx);
    if (!kernel.is_ok()) return Status(kernel.status().code(), node.describe() + ": " + kernel.status().message());
    step.kernel = std::move(kernel).value();
    steps_.push_back(std::move(step));
  }
  for (const ValueInfo& vi : graph_.outputs) {
    auto it = ids.find(vi.name);
    if (it == ids.end()) return corrupt("graph output '" + vi.name + "' is produced by no node");
    output_ids_.push_back(it->second);
  }
  last_use_.assign(value_names_.size(), -1);
  for (size_t i = 0; i < steps_.size(); ++i)
    for (int v : steps_[i].in)
      if (v >= 0) last_use_[v] = static_cast<int>(i);
  for (int v : output_ids_) last_use_[v] = static_cast<int>(steps_.size());  // kept to the end
  return Status::ok();
}

namespace {
Status check_feed(const ValueInfo& vi, const Tensor& t) {
  if (vi.type != ElemType::kUndefined && vi.type != t.type())
    return invalid_argument("input '" + vi.name + "' must be " + elem_type_name(vi.type) + ", got " +
                            elem_type_name(t.type()));
  if (!vi.has_shape) return Status::ok();
  if (vi.shape.size() != t.shape().size())
    return invalid_argument("input '" + vi.name + "' must have rank " + std::to_string(vi.shape.size()) +
                            " (shape " + shape_string(vi.shape) + "), got " + shape_string(t.shape()));
  for (size_t d = 0; d < vi.shape.size(); ++d)
    if (vi.shape[d] >= 0 && vi.shape[d] != t.shape()[d])
      return invalid_argument("input '" + vi.name + "' must have shape " + shape_string(vi.shape) + ", got " +
                              shape_string(t.shape()) + " (dimension " + std::to_string(d) + ")");
  return Status::ok();
}
}  // namespace

void Session::set_profiling(bool on) {
  profiling_ = on;
  if (on)
    for (Step& step : steps_) step.seconds = 0, step.calls = 0;
}

std::vector<Session::NodeProfile> Session::profile() const {
  std::vector<NodeProfile> out;
  out.reserve(steps_.size());
  for (const Step& step : steps_)
    out.push_back({step.node->name, step.node->op_type, step.seconds, step.calls});
  return out;
}

Result<std::vector<Tensor>> Session::run(const std::vector<NamedTensor>& feeds) { return run(feeds, pool_.get()); }

Result<std::vector<Tensor>> Session::run(const std::vector<NamedTensor>& feeds, ThreadPool* pool) {
  std::vector<Tensor> values = constants_;
  std::vector<bool> fed(input_ids_.size(), false);
  for (const auto& [name, tensor] : feeds) {
    size_t k = 0;
    while (k < input_ids_.size() && value_names_[input_ids_[k]] != name) ++k;
    if (k == input_ids_.size()) return invalid_argument("the model has no input named '" + name + "'");
    const ValueInfo* vi = nullptr;
    for (const ValueInfo& v : graph_.inputs)
      if (v.name == name) vi = &v;
    if (vi) CI_RETURN_IF_ERROR(check_feed(*vi, tensor));
    values[input_ids_[k]] = tensor;
    fed[k] = true;
  }
  for (size_t k = 0; k < input_ids_.size(); ++k)
    if (!fed[k]) return invalid_argument("input '" + value_names_[input_ids_[k]] + "' was not given");

  std::vector<const Tensor*> in_ptrs;
  std::vector<Tensor> outs;
  for (size_t i = 0; i < steps_.size(); ++i) {
    Step& step = steps_[i];
    in_ptrs.clear();
    for (int v : step.in) {
      if (v >= 0 && !values[v].defined())
        return internal_error(step.node->describe() + ": input '" + value_names_[v] + "' has no value");
      in_ptrs.push_back(v >= 0 ? &values[v] : nullptr);
    }
    outs.assign(step.out.size(), Tensor());
    OpRunContext ctx{in_ptrs, outs, pool, *options_.kernels, buffers_.get()};
    const auto t0 = profiling_ ? std::chrono::steady_clock::now() : std::chrono::steady_clock::time_point();
    Status st = step.kernel->run(ctx);
    if (profiling_) {
      step.seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      ++step.calls;
    }
    if (!st.is_ok()) return Status(st.code(), step.node->describe() + ": " + st.message());
    for (size_t o = 0; o < step.out.size(); ++o) {
      if (step.out[o] < 0) continue;
      if (!outs[o].defined() && !step.node->outputs[o].empty() && last_use_[step.out[o]] >= 0)
        return internal_error(step.node->describe() + ": output " + std::to_string(o) + " was not produced");
      values[step.out[o]] = std::move(outs[o]);
    }
    // Free what no later step reads (graph outputs and constants are kept).
    for (int v : step.in)
      if (v >= 0 && last_use_[v] == static_cast<int>(i) && !constants_[v].defined()) values[v] = Tensor();
  }
  std::vector<Tensor> result;
  result.reserve(output_ids_.size());
  for (int v : output_ids_) result.push_back(values[v]);
  return result;
}

}  // namespace coreinfer
