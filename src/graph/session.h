// Session: a loaded, optimised graph ready to run. Built once (validation, passes, one kernel per
// node with its constant inputs packed), then run() any number of times, one call at a time.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/status.h"
#include "graph/graph.h"
#include "graph/op_kernel.h"

namespace coreinfer {

class ThreadPool;
class BufferPool;

struct SessionOptions {
  int threads = 0;          // 0: the CPUs this process may use (cgroup-aware)
  std::vector<int> cpus;    // pin to these CPUs (empty: the affinity mask)
  bool optimize = true;     // constant folding, BN folding, activation fusion, dead-node removal
  const kernels::KernelTable* kernels = nullptr;  // nullptr: the table for this CPU
};

using NamedTensor = std::pair<std::string, Tensor>;

class Session {
 public:
  static Result<std::unique_ptr<Session>> create(Graph graph, const OpRegistry& registry,
                                                 SessionOptions options = {});
  ~Session();

  const std::vector<ValueInfo>& inputs() const { return graph_.inputs; }
  const std::vector<ValueInfo>& outputs() const { return graph_.outputs; }
  const Graph& graph() const { return graph_; }  // after the passes
  int threads() const;
  // Buffers the memory planner has had to create so far (flat across runs once warmed up).
  size_t buffer_allocations() const;

  // Per-node timing: off by default (two clock reads per node). profile() lists the nodes in
  // run order with the time they took since profiling was last turned on.
  struct NodeProfile {
    std::string name, op_type;
    double seconds = 0;
    int64_t calls = 0;
  };
  void set_profiling(bool on);
  std::vector<NodeProfile> profile() const;

  // Runs the graph on `feeds` (every graph input by name; extra names are an error) and returns
  // the outputs in graph order.
  Result<std::vector<Tensor>> run(const std::vector<NamedTensor>& feeds);
  // The same on another thread pool (nullptr: single-threaded): a subgraph's session runs on the
  // pool of the session that runs its If/Loop/Scan node.
  Result<std::vector<Tensor>> run(const std::vector<NamedTensor>& feeds, ThreadPool* pool);

 private:
  struct Step;
  Session() = default;
  Status build(const OpRegistry& registry);

  Graph graph_;
  SessionOptions options_;
  std::unique_ptr<ThreadPool> pool_;
  std::unique_ptr<BufferPool> buffers_;
  std::vector<Step> steps_;
  std::vector<std::string> value_names_;  // value id -> name
  std::vector<Tensor> constants_;         // value id -> constant (undefined when not constant)
  std::vector<int> input_ids_, output_ids_;
  std::vector<int> last_use_;             // value id -> last step reading it (-1: none)
  bool profiling_ = false;
};

// The ops in `graph` (and its subgraphs) that `registry` lacks, as "Op (node 'name')" entries;
// empty when all exist.
std::vector<std::string> unsupported_ops(const Graph& graph, const OpRegistry& registry);

}  // namespace coreinfer
