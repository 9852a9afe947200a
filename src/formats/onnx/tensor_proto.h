// onnx::TensorProto <-> Tensor (private to formats/onnx: the only place protobuf types appear).
#pragma once

#include <string>

#include <onnx/onnx_pb.h>  // defines ONNX_API, then includes onnx-ml.pb.h

#include "core/status.h"
#include "graph/tensor.h"

namespace coreinfer {

// `base_dir` resolves external data locations (which must stay inside it).
Result<Tensor> tensor_from_proto(const onnx::TensorProto& proto, const std::string& base_dir);
void tensor_to_proto(const Tensor& tensor, const std::string& name, onnx::TensorProto* proto);

}  // namespace coreinfer
