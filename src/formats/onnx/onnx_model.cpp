#include "formats/onnx/onnx_model.h"

#include <filesystem>
#include <fstream>
#include <unordered_set>

#include <onnx/shape_inference/implementation.h>

#include "core/log.h"
#include "core/mapped_file.h"
#include "formats/onnx/tensor_proto.h"

namespace coreinfer {

namespace {

// Nesting deeper than this (a Loop in an If in a Loop ...) is not a real model.
constexpr int kMaxSubgraphDepth = 32;

Status convert_graph_body(const onnx::GraphProto& gp, const std::string& base_dir, int depth, Graph& g);

Result<Attribute> convert_attribute(const onnx::AttributeProto& a, const std::string& base_dir, const Graph& parent,
                                    int depth) {
  Attribute out;
  using A = onnx::AttributeProto;
  auto type = a.type();
  if (type == A::UNDEFINED) {  // very old files leave the type out: infer it from the field set
    if (a.has_f()) type = A::FLOAT;
    else if (a.has_i()) type = A::INT;
    else if (a.has_s()) type = A::STRING;
    else if (a.has_t()) type = A::TENSOR;
    else if (a.floats_size()) type = A::FLOATS;
    else if (a.ints_size()) type = A::INTS;
    else if (a.strings_size()) type = A::STRINGS;
    else if (a.has_g()) type = A::GRAPH;
  }
  switch (type) {
    case A::FLOAT: out.kind = Attribute::Kind::kFloat; out.f = a.f(); break;
    case A::INT: out.kind = Attribute::Kind::kInt; out.i = a.i(); break;
    case A::STRING: out.kind = Attribute::Kind::kString; out.s = a.s(); break;
    case A::TENSOR: {
      out.kind = Attribute::Kind::kTensor;
      auto t = tensor_from_proto(a.t(), base_dir);
      if (!t.is_ok()) return t.status();
      out.t = std::move(t).value();
      break;
    }
    case A::FLOATS: out.kind = Attribute::Kind::kFloats; out.floats.assign(a.floats().begin(), a.floats().end()); break;
    case A::INTS: out.kind = Attribute::Kind::kInts; out.ints.assign(a.ints().begin(), a.ints().end()); break;
    case A::STRINGS: out.kind = Attribute::Kind::kStrings; out.strings.assign(a.strings().begin(), a.strings().end()); break;
    case A::GRAPH: {
      if (depth >= kMaxSubgraphDepth)
        return unsupported("attribute '" + a.name() + "': subgraphs nested more than " +
                           std::to_string(kMaxSubgraphDepth) + " deep");
      auto sub = std::make_shared<Graph>();
      sub->opsets = parent.opsets;  // a subgraph uses the model's opset imports
      sub->ir_version = parent.ir_version;
      sub->producer = parent.producer;
      Status st = convert_graph_body(a.g(), base_dir, depth + 1, *sub);
      if (!st.is_ok()) return Status(st.code(), "subgraph '" + a.name() + "': " + st.message());
      out.kind = Attribute::Kind::kGraph;
      out.g = std::move(sub);
      break;
    }
    case A::GRAPHS:
      return unsupported("attribute '" + a.name() + "' is a list of graphs, which is not supported");
    default:
      return unsupported("attribute '" + a.name() + "' has type " + std::to_string(a.type()) + ", which is not supported");
  }
  return out;
}

Result<ValueInfo> convert_value_info(const onnx::ValueInfoProto& v) {
  ValueInfo vi;
  vi.name = v.name();
  if (!v.has_type()) return vi;
  if (!v.type().has_tensor_type())
    return unsupported("value '" + v.name() + "' is not a tensor (sequences, maps and optionals are not supported)");
  const auto& tt = v.type().tensor_type();
  vi.type = static_cast<ElemType>(tt.elem_type());
  if (tt.elem_type() != 0 && !elem_type_known(tt.elem_type()))
    return unsupported("value '" + v.name() + "' has element type " + std::to_string(tt.elem_type()) +
                       ", which is not supported");
  if (tt.has_shape()) {
    vi.has_shape = true;
    for (const auto& d : tt.shape().dim()) {
      vi.shape.push_back(d.has_dim_value() && d.dim_value() >= 0 ? d.dim_value() : -1);
      vi.dim_names.push_back(d.has_dim_param() ? d.dim_param() : "");
    }
  }
  return vi;
}

}  // namespace

Result<Graph> parse_onnx_model(std::span<const uint8_t> bytes, const std::string& base_dir) {
  if (bytes.size() > static_cast<size_t>(kMaxOnnxFileBytes))
    return unsupported("the model file is over 2 GiB; save it with external data (onnx.save(..., save_as_external_data=True))");
  onnx::ModelProto model;
  if (!model.ParseFromArray(bytes.data(), static_cast<int>(bytes.size())))
    return corrupt("not a valid ONNX model: the protobuf data cannot be parsed (truncated or not an .onnx file)");
  if (!model.has_graph()) return corrupt("the ONNX model has no graph");

  Graph g;
  g.ir_version = model.ir_version();
  g.producer = model.producer_name();
  for (const auto& op : model.opset_import()) {
    const std::string domain = op.domain() == "ai.onnx" ? "" : op.domain();
    g.opsets[domain] = op.version();
  }
  if (model.opset_import_size() == 0) g.opsets[""] = 1;  // IR < 3 files have no opset_import
  for (auto& init : *model.mutable_graph()->mutable_initializer()) {
    if (init.name().empty()) return corrupt("an initializer has no name");
    auto t = tensor_from_proto(init, base_dir);
    if (!t.is_ok()) return Status(t.status().code(), "initializer: " + t.status().message());
    g.initializers[init.name()] = std::move(t).value();
    // Big weights are not needed by shape inference (only small shape-like constants are):
    // release the protobuf's copy now to keep the peak near one copy of the weights.
    if (init.raw_data().size() > (1u << 16)) std::string().swap(*init.mutable_raw_data());
  }
  // ONNX's own shape inference (libonnx) annotates intermediate values; models it cannot infer
  // (contrib ops, inconsistent files) still load, with less known.
  try {
    onnx::shape_inference::InferShapes(model);
  } catch (const std::exception& e) {
    log::debug(std::string("onnx shape inference stopped: ") + e.what());
  }
  const auto& gp = model.graph();
  g.name = gp.name();
  for (const auto& v : gp.value_info()) {
    auto vi = convert_value_info(v);
    if (vi.is_ok() && vi->has_shape) g.value_info[v.name()] = std::move(vi).value();
  }
  CI_RETURN_IF_ERROR(convert_graph_body(gp, base_dir, 0, g));
  return g;
}

namespace {

// Inputs, outputs and nodes of `gp` into `g` (the top-level graph's initializers are read before
// shape inference; a subgraph's here). depth 0 is the model's graph.
Status convert_graph_body(const onnx::GraphProto& gp, const std::string& base_dir, int depth, Graph& g) {
  if (depth > 0) {
    g.name = gp.name();
    for (const auto& init : gp.initializer()) {
      if (init.name().empty()) return corrupt("an initializer has no name");
      auto t = tensor_from_proto(init, base_dir);
      if (!t.is_ok()) return Status(t.status().code(), "initializer: " + t.status().message());
      g.initializers[init.name()] = std::move(t).value();
    }
  }
  if (gp.sparse_initializer_size() > 0) return unsupported("sparse initializers are not supported");

  for (const auto& in : gp.input()) {
    if (g.initializers.count(in.name())) continue;  // IR < 4 exporters list weights as inputs
    CI_ASSIGN_OR_RETURN(ValueInfo vi, convert_value_info(in));
    g.inputs.push_back(std::move(vi));
  }
  for (const auto& out : gp.output()) {
    CI_ASSIGN_OR_RETURN(ValueInfo vi, convert_value_info(out));
    g.outputs.push_back(std::move(vi));
  }
  if (g.outputs.empty())
    return corrupt(depth == 0 ? "the ONNX graph declares no outputs" : "a subgraph declares no outputs");

  std::unordered_set<std::string> names;
  for (int i = 0; i < gp.node_size(); ++i) {
    const auto& np = gp.node(i);
    Node n;
    n.op_type = np.op_type();
    n.domain = np.domain() == "ai.onnx" ? "" : np.domain();
    n.name = np.name().empty() || names.count(np.name()) ? np.op_type() + "_" + std::to_string(i) : np.name();
    names.insert(n.name);
    if (n.op_type.empty()) return corrupt("node " + std::to_string(i) + " has no op_type");
    n.inputs.assign(np.input().begin(), np.input().end());
    n.outputs.assign(np.output().begin(), np.output().end());
    for (const auto& a : np.attribute()) {
      auto attr = convert_attribute(a, base_dir, g, depth);
      if (!attr.is_ok()) return Status(attr.status().code(), n.describe() + ": " + attr.status().message());
      n.attrs.set(a.name(), std::move(attr).value());
    }
    if (!n.domain.empty() && !g.opsets.count(n.domain)) g.opsets[n.domain] = 1;
    g.nodes.push_back(std::move(n));
  }
  return Status::ok();
}

}  // namespace

Result<Graph> load_onnx_model(const std::string& path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const auto size = fs::file_size(path, ec);
  if (ec) return not_found("cannot open ONNX model '" + path + "': " + ec.message());
  if (size > static_cast<uint64_t>(kMaxOnnxFileBytes))
    return unsupported("'" + path + "' is over 2 GiB; save it with external data");
  auto file = MappedFile::open(path);  // parsed in place, no copy of the file
  if (!file.is_ok()) return file.status();
  auto g = parse_onnx_model(std::span((*file)->data(), (*file)->size()), fs::path(path).parent_path().string());
  if (!g.is_ok()) return Status(g.status().code(), "'" + path + "': " + g.status().message());
  return g;
}

}  // namespace coreinfer
