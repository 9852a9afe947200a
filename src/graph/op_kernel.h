// The interface between the graph executor and operator implementations.
//
// An operator is built once per node at load (OpBuildContext: attributes, opset, and the values
// of inputs that are constants, so weights can be checked and packed once), then run many times
// (OpRunContext: input tensors, output slots to fill, the thread pool). Output shapes are computed
// by run() from the actual inputs, so dynamic dimensions (batch) need nothing special.
// Every error names the problem; the executor prefixes it with the node ("node 'x' (Conv): ...").
#pragma once

#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "core/status.h"
#include "graph/graph.h"
#include "graph/tensor.h"

namespace coreinfer {

class ThreadPool;
class BufferPool;
class OpRegistry;
namespace kernels {
struct KernelTable;
}

struct OpBuildContext {
  const Node& node;
  int64_t opset;  // the model's version of the node's domain
  // One entry per node input: the value when it is a constant (initializer or folded), else
  // nullptr; nullptr too for an absent optional input (node.inputs[i] empty).
  std::span<const Tensor* const> constant_inputs;
  const kernels::KernelTable& kernels;
  // For operators with subgraphs (If, Loop, Scan), which build a nested Session for each: the
  // registry and whether to optimise. nullptr: such operators cannot be built.
  const OpRegistry* registry = nullptr;
  bool optimize = true;

  const Tensor* constant(size_t i) const { return i < constant_inputs.size() ? constant_inputs[i] : nullptr; }
  bool has_input(size_t i) const { return i < node.inputs.size() && !node.inputs[i].empty(); }
  const Attributes& attrs() const { return node.attrs; }
};

struct OpRunContext {
  // One entry per node input; nullptr for an absent optional input.
  std::span<const Tensor* const> inputs;
  // One slot per node output, to be filled (allocate() or a view of an input).
  std::span<Tensor> outputs;
  ThreadPool* pool = nullptr;  // nullptr: run single-threaded
  const kernels::KernelTable& kernels;
  BufferPool* buffers = nullptr;  // the session's memory planner (nullptr: the heap)

  const Tensor* input(size_t i) const { return i < inputs.size() ? inputs[i] : nullptr; }
  size_t num_inputs() const { return inputs.size(); }
  size_t num_outputs() const { return outputs.size(); }
  // Allocates outputs[i] (zero-filled) with the given type and shape and returns it.
  Result<Tensor*> allocate_output(size_t i, ElemType type, Shape shape);
  // The same without the zero fill, for kernels that write every element (the big GEMM outputs).
  Result<Tensor*> allocate_output_uninitialized(size_t i, ElemType type, Shape shape);
  // Runs fn(begin, end) over [0, n) on the pool (or inline), chunks of at least `grain`.
  void parallel_for(int64_t n, int64_t grain, const std::function<void(int64_t, int64_t)>& fn) const;
};

class OpKernel {
 public:
  virtual ~OpKernel() = default;
  virtual Status run(OpRunContext& ctx) = 0;
};

using OpFactory = std::function<Result<std::unique_ptr<OpKernel>>(const OpBuildContext&)>;

// Which operators exist, by (domain, op_type). One factory serves every opset of an op: it reads
// ctx.opset where versions differ (e.g. Slice's attributes before opset 10, inputs after).
class OpRegistry {
 public:
  void add(const std::string& domain, const std::string& op_type, OpFactory factory);
  const OpFactory* find(const std::string& domain, const std::string& op_type) const;
  bool has(const std::string& domain, const std::string& op_type) const { return find(domain, op_type) != nullptr; }
  std::vector<std::string> op_names() const;  // "Conv", "com.microsoft::QLinearAdd", sorted

 private:
  std::map<std::pair<std::string, std::string>, OpFactory> ops_;
};

// Convenience for the common case of an op with nothing to prepare: a kernel from a lambda.
class LambdaKernel final : public OpKernel {
 public:
  explicit LambdaKernel(std::function<Status(OpRunContext&)> fn) : fn_(std::move(fn)) {}
  Status run(OpRunContext& ctx) override { return fn_(ctx); }

 private:
  std::function<Status(OpRunContext&)> fn_;
};

// Normalises a possibly negative axis against `rank`; an error names the op's valid range.
Result<int64_t> normalize_axis(int64_t axis, int64_t rank);

}  // namespace coreinfer
