// Between KServe v2 tensors (datatype names, little-endian row-major bytes) and graph tensors.
#pragma once

#include <optional>
#include <string>
#include <variant>

#include <nlohmann/json.hpp>

#include "graph/tensor.h"
#include "server/api_error.h"
#include "server/kserve/tensor.h"

namespace coreinfer::server::kserve {

// "FP32", "INT64", ...; "" for a type the protocol cannot carry.
std::string datatype_of(ElemType type);
std::optional<ElemType> elem_type_of_datatype(const std::string& datatype);

// A request tensor as a graph tensor (BYTES is refused: graphs here take numbers).
std::variant<coreinfer::Tensor, ApiError> to_graph_tensor(const Tensor& t);

// The values of `t`, flat and row-major, as a JSON array (FP16/BF16 as numbers).
nlohmann::json json_data(const coreinfer::Tensor& t);

}  // namespace coreinfer::server::kserve
