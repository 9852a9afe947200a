// A subgraph attribute (If branch, Loop or Scan body) built once into its own Session when the
// node is built, then run with the iteration's values plus the outer-scope values it captures.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/status.h"
#include "graph/op_kernel.h"
#include "graph/session.h"

namespace coreinfer {

class Subgraph {
 public:
  // Builds the graph held by attribute `attr` of ctx.node. Captured outer values that are
  // constants at build time become the body's initializers (packed once); the others are fed
  // from the node's inputs at each run.
  static Result<std::unique_ptr<Subgraph>> build(const OpBuildContext& ctx, const std::string& attr);

  const std::string& attr() const { return attr_; }
  // The subgraph's declared inputs and outputs (before any capture was added).
  const std::vector<ValueInfo>& inputs() const { return inputs_; }
  const std::vector<ValueInfo>& outputs() const { return outputs_; }

  // Runs with one tensor per declared input, in order, on ctx's thread pool.
  Result<std::vector<Tensor>> run(const OpRunContext& ctx, std::vector<Tensor> formal) const;

 private:
  std::string attr_;
  std::vector<ValueInfo> inputs_, outputs_;
  std::vector<std::pair<std::string, size_t>> fed_captures_;  // name in the body, node input index
  std::unique_ptr<Session> session_;
};

}  // namespace coreinfer
