// KServe v2 / Triton inference request tensors: JSON "data" (flat or nested, row-major)
// or the binary tensor data extension (a JSON header of Inference-Header-Content-Length
// bytes, then each input's raw bytes in order, sized by parameters.binary_data_size).
#pragma once

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "server/api_error.h"

namespace coreinfer::server::kserve {

struct Tensor {
  std::string name;
  std::string datatype;        // BOOL, UINT8..UINT64, INT8..INT64, FP16, FP32, FP64, BYTES
  std::vector<int64_t> shape;
  std::vector<std::string> bytes;    // BYTES elements
  std::vector<uint8_t> raw;          // fixed-size types, little-endian, row-major
};

struct InferRequest {
  std::string id;
  std::vector<Tensor> inputs;
  nlohmann::json parameters = nlohmann::json::object();
  std::vector<std::string> requested_outputs;
  std::vector<nlohmann::json> requested_output_parameters;  // one object per requested output
};

// Size in bytes of one element of `datatype`; 0 for BYTES; -1 if unknown.
int element_size(const std::string& datatype);

struct InferLimits {
  int64_t max_elements = int64_t{1} << 26;
};

// Parses a request body; `header_length` is the Inference-Header-Content-Length value
// (-1 when the header is absent: the whole body is JSON).
std::variant<InferRequest, ApiError> parse_infer_request(const std::string& body, int64_t header_length,
                                                         const InferLimits& limits);

}  // namespace coreinfer::server::kserve
