// Tensors in files: ONNX TensorProto (.pb, as in the ONNX test directories) and NumPy .npy.
#pragma once

#include <string>

#include "core/status.h"
#include "graph/session.h"

namespace coreinfer {

// Reads a TensorProto (.pb) or a NumPy array (.npy, chosen by the magic bytes). The name is the
// TensorProto's name (may be empty) or, for .npy, the file's stem.
Result<NamedTensor> read_tensor_file(const std::string& path);
// Writes `tensor` as a TensorProto with raw_data.
Status write_tensor_pb(const std::string& path, const std::string& name, const Tensor& tensor);

}  // namespace coreinfer
