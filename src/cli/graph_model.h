// Loading an ONNX model and its input tensors for the CLI (run, bench).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "core/status.h"
#include "graph/session.h"

namespace coreinfer::cli {

Result<std::unique_ptr<Session>> load_graph_session(const std::string& path, int threads, bool optimize);

// Reads NAME=FILE (or just FILE for a model with one input) tensors.
Result<std::vector<NamedTensor>> read_named_inputs(const std::vector<std::string>& specs, const Session& session);

}  // namespace coreinfer::cli
