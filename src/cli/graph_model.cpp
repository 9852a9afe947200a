#include "cli/graph_model.h"

#include "formats/onnx/onnx_model.h"
#include "formats/onnx/onnx_tensor_io.h"
#include "graph/ops/register.h"

namespace coreinfer::cli {

Result<std::unique_ptr<Session>> load_graph_session(const std::string& path, int threads, bool optimize) {
  CI_ASSIGN_OR_RETURN(Graph graph, load_onnx_model(path));
  SessionOptions so;
  so.threads = threads;
  so.optimize = optimize;
  const OpRegistry registry = default_op_registry();
  return Session::create(std::move(graph), registry, so);
}

Result<std::vector<NamedTensor>> read_named_inputs(const std::vector<std::string>& specs, const Session& session) {
  std::vector<NamedTensor> feeds;
  for (const std::string& spec : specs) {
    const size_t eq = spec.find('=');
    std::string name = eq == std::string::npos ? "" : spec.substr(0, eq);
    const std::string file = eq == std::string::npos ? spec : spec.substr(eq + 1);
    if (name.empty()) {
      if (session.inputs().size() != 1)
        return invalid_argument("--input " + spec + ": the model has " + std::to_string(session.inputs().size()) +
                                " inputs; name them as NAME=FILE");
      name = session.inputs()[0].name;
    }
    CI_ASSIGN_OR_RETURN(NamedTensor t, read_tensor_file(file));
    feeds.emplace_back(name, std::move(t.second));
  }
  return feeds;
}

}  // namespace coreinfer::cli
