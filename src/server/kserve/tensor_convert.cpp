#include "server/kserve/tensor_convert.h"

#include <cstring>

namespace coreinfer::server::kserve {
namespace {

struct TypeName {
  ElemType type;
  const char* name;
};

constexpr TypeName kTypes[] = {
    {ElemType::kBool, "BOOL"},    {ElemType::kUint8, "UINT8"},   {ElemType::kUint16, "UINT16"},
    {ElemType::kUint32, "UINT32"}, {ElemType::kUint64, "UINT64"}, {ElemType::kInt8, "INT8"},
    {ElemType::kInt16, "INT16"},  {ElemType::kInt32, "INT32"},   {ElemType::kInt64, "INT64"},
    {ElemType::kFloat16, "FP16"}, {ElemType::kBFloat16, "BF16"}, {ElemType::kFloat, "FP32"},
    {ElemType::kDouble, "FP64"},
};

template <typename T>
nlohmann::json values(const coreinfer::Tensor& t) {
  const T* p = t.data<T>();
  return nlohmann::json(std::vector<T>(p, p + t.numel()));
}

}  // namespace

std::string datatype_of(ElemType type) {
  for (const TypeName& t : kTypes) {
    if (t.type == type) return t.name;
  }
  return "";
}

std::optional<ElemType> elem_type_of_datatype(const std::string& datatype) {
  for (const TypeName& t : kTypes) {
    if (datatype == t.name) return t.type;
  }
  return std::nullopt;
}

std::variant<coreinfer::Tensor, ApiError> to_graph_tensor(const Tensor& t) {
  const std::optional<ElemType> type = elem_type_of_datatype(t.datatype);
  if (!type) return bad_request("input '" + t.name + "': " + t.datatype + " tensors are not supported by this model");
  auto out = coreinfer::Tensor::allocate_uninitialized(*type, Shape(t.shape.begin(), t.shape.end()));
  if (!out.is_ok()) return bad_request("input '" + t.name + "': " + out.status().message());
  if (out->bytes() != t.raw.size()) {
    return bad_request("input '" + t.name + "': " + std::to_string(t.raw.size()) + " bytes of data for its shape");
  }
  if (!t.raw.empty()) std::memcpy(out->raw(), t.raw.data(), t.raw.size());
  if (*type == ElemType::kBool) {
    // Anything but 0/1 in a bool is undefined behaviour downstream: normalise.
    auto* b = static_cast<uint8_t*>(out->raw());
    for (int64_t i = 0; i < out->numel(); ++i) b[i] = b[i] != 0;
  }
  return std::move(*out);
}

nlohmann::json json_data(const coreinfer::Tensor& t) {
  switch (t.type()) {
    case ElemType::kBool: {
      nlohmann::json a = nlohmann::json::array();
      const auto* p = static_cast<const uint8_t*>(t.raw());
      for (int64_t i = 0; i < t.numel(); ++i) a.push_back(p[i] != 0);
      return a;
    }
    case ElemType::kUint8: return values<uint8_t>(t);
    case ElemType::kUint16: return values<uint16_t>(t);
    case ElemType::kUint32: return values<uint32_t>(t);
    case ElemType::kUint64: return values<uint64_t>(t);
    case ElemType::kInt8: return values<int8_t>(t);
    case ElemType::kInt16: return values<int16_t>(t);
    case ElemType::kInt32: return values<int32_t>(t);
    case ElemType::kInt64: return values<int64_t>(t);
    case ElemType::kFloat: return values<float>(t);
    case ElemType::kDouble: return values<double>(t);
    default: {
      auto d = t.to_double_vector();
      return d.is_ok() ? nlohmann::json(*d) : nlohmann::json::array();
    }
  }
}

}  // namespace coreinfer::server::kserve
