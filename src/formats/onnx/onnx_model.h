// Loads an ONNX model file (protobuf, through Debian's libonnx generated classes) into the graph
// IR. Every count, type, shape and external-data reference is checked; a malformed file gives an
// error naming the tensor, node or attribute.
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "core/status.h"
#include "graph/graph.h"

namespace coreinfer {

// Largest model file read as one protobuf (protobuf's own limit is 2 GiB; bigger models keep
// their weights in external data files).
inline constexpr int64_t kMaxOnnxFileBytes = (int64_t{2} << 30) - 1;

// `path`'s directory is where external data files are looked up.
Result<Graph> load_onnx_model(const std::string& path);
Result<Graph> parse_onnx_model(std::span<const uint8_t> bytes, const std::string& base_dir);

}  // namespace coreinfer
