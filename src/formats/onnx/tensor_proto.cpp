#include "formats/onnx/tensor_proto.h"

#include <cstring>
#include <filesystem>
#include <fstream>

namespace coreinfer {

namespace {

std::string tensor_label(const onnx::TensorProto& p) {
  return p.name().empty() ? std::string("tensor") : "tensor '" + p.name() + "'";
}

// Reads [offset, offset+length) of an external data file that must lie inside base_dir.
Status read_external(const onnx::TensorProto& p, const std::string& base_dir, void* dst, size_t bytes) {
  std::string location;
  int64_t offset = 0, length = -1;
  for (const auto& kv : p.external_data()) {
    try {
      if (kv.key() == "location") location = kv.value();
      else if (kv.key() == "offset") offset = std::stoll(kv.value());
      else if (kv.key() == "length") length = std::stoll(kv.value());
    } catch (const std::exception&) {
      return corrupt(tensor_label(p) + ": external data '" + kv.key() + "' is not a number: " + kv.value());
    }
  }
  if (location.empty()) return corrupt(tensor_label(p) + ": external data without a location");
  namespace fs = std::filesystem;
  const fs::path base = fs::weakly_canonical(fs::path(base_dir.empty() ? "." : base_dir));
  const fs::path file = fs::weakly_canonical(base / location);
  const std::string rel = file.lexically_relative(base).string();
  if (fs::path(location).is_absolute() || rel.empty() || rel.rfind("..", 0) == 0)
    return corrupt(tensor_label(p) + ": external data location '" + location + "' is outside the model's folder");
  if (offset < 0) return corrupt(tensor_label(p) + ": negative external data offset");
  if (length >= 0 && static_cast<size_t>(length) != bytes)
    return corrupt(tensor_label(p) + ": external data length " + std::to_string(length) + " does not match its " +
                   std::to_string(bytes) + " bytes of shape and type");
  std::error_code ec;
  const auto size = fs::file_size(file, ec);
  if (ec) return not_found(tensor_label(p) + ": external data file '" + file.string() + "': " + ec.message());
  if (static_cast<uint64_t>(offset) > size || size - static_cast<uint64_t>(offset) < bytes)
    return corrupt(tensor_label(p) + ": external data file '" + file.string() + "' is too short");
  std::ifstream in(file, std::ios::binary);
  in.seekg(offset);
  in.read(static_cast<char*>(dst), static_cast<std::streamsize>(bytes));
  if (!in) return io_error(tensor_label(p) + ": cannot read external data file '" + file.string() + "'");
  return Status::ok();
}

template <typename Src, typename Dst>
void copy_convert(const Src& src, Dst* dst) {
  for (int i = 0; i < src.size(); ++i) dst[i] = static_cast<Dst>(src.Get(i));
}

}  // namespace

Result<Tensor> tensor_from_proto(const onnx::TensorProto& p, const std::string& base_dir) {
  const auto type = static_cast<ElemType>(p.data_type());
  if (p.data_type() == onnx::TensorProto::STRING)
    return unsupported(tensor_label(p) + ": string tensors are not supported");
  if (!elem_type_known(p.data_type()))
    return unsupported(tensor_label(p) + ": data type " + std::to_string(p.data_type()) + " is not supported");
  if (p.has_segment()) return unsupported(tensor_label(p) + ": segmented tensors are not supported");
  Shape shape(p.dims().begin(), p.dims().end());
  for (int64_t d : shape)
    if (d < 0) return corrupt(tensor_label(p) + ": negative dimension in " + shape_string(shape));
  auto allocated = Tensor::allocate_uninitialized(type, shape);
  if (!allocated.is_ok()) return Status(allocated.status().code(), tensor_label(p) + ": " + allocated.status().message());
  Tensor t = std::move(allocated).value();
  const size_t bytes = t.bytes();
  const int64_t n = t.numel();

  if (p.data_location() == onnx::TensorProto::EXTERNAL) {
    CI_RETURN_IF_ERROR(read_external(p, base_dir, t.raw(), bytes));
    return t;
  }
  if (p.has_raw_data()) {
    if (p.raw_data().size() != bytes)
      return corrupt(tensor_label(p) + ": raw_data holds " + std::to_string(p.raw_data().size()) + " bytes, its shape " +
                     shape_string(shape) + " of " + elem_type_name(type) + " needs " + std::to_string(bytes));
    if (bytes) std::memcpy(t.raw(), p.raw_data().data(), bytes);
    return t;
  }
  auto count_check = [&](int count, const char* field) -> Status {
    if (count == n) return Status::ok();
    return corrupt(tensor_label(p) + ": " + field + " holds " + std::to_string(count) + " values, its shape " +
                   shape_string(shape) + " needs " + std::to_string(n));
  };
  switch (type) {
    case ElemType::kFloat:
      CI_RETURN_IF_ERROR(count_check(p.float_data_size(), "float_data"));
      copy_convert(p.float_data(), t.data<float>());
      break;
    case ElemType::kDouble:
      CI_RETURN_IF_ERROR(count_check(p.double_data_size(), "double_data"));
      copy_convert(p.double_data(), t.data<double>());
      break;
    case ElemType::kInt64:
      CI_RETURN_IF_ERROR(count_check(p.int64_data_size(), "int64_data"));
      copy_convert(p.int64_data(), t.data<int64_t>());
      break;
    case ElemType::kUint32:
      CI_RETURN_IF_ERROR(count_check(p.uint64_data_size(), "uint64_data"));
      copy_convert(p.uint64_data(), t.data<uint32_t>());
      break;
    case ElemType::kUint64:
      CI_RETURN_IF_ERROR(count_check(p.uint64_data_size(), "uint64_data"));
      copy_convert(p.uint64_data(), t.data<uint64_t>());
      break;
    case ElemType::kInt32:
      CI_RETURN_IF_ERROR(count_check(p.int32_data_size(), "int32_data"));
      copy_convert(p.int32_data(), t.data<int32_t>());
      break;
    case ElemType::kInt16:
      CI_RETURN_IF_ERROR(count_check(p.int32_data_size(), "int32_data"));
      copy_convert(p.int32_data(), t.data<int16_t>());
      break;
    case ElemType::kInt8:
      CI_RETURN_IF_ERROR(count_check(p.int32_data_size(), "int32_data"));
      copy_convert(p.int32_data(), t.data<int8_t>());
      break;
    case ElemType::kUint16: case ElemType::kFloat16: case ElemType::kBFloat16:  // bit patterns in int32_data
      CI_RETURN_IF_ERROR(count_check(p.int32_data_size(), "int32_data"));
      copy_convert(p.int32_data(), t.data<uint16_t>());
      break;
    case ElemType::kUint8:
      CI_RETURN_IF_ERROR(count_check(p.int32_data_size(), "int32_data"));
      copy_convert(p.int32_data(), t.data<uint8_t>());
      break;
    case ElemType::kBool:
      CI_RETURN_IF_ERROR(count_check(p.int32_data_size(), "int32_data"));
      for (int i = 0; i < p.int32_data_size(); ++i) t.data<bool>()[i] = p.int32_data(i) != 0;
      break;
    default:
      return unsupported(tensor_label(p) + ": data type " + elem_type_name(type) + " is not supported");
  }
  return t;
}

void tensor_to_proto(const Tensor& tensor, const std::string& name, onnx::TensorProto* proto) {
  proto->Clear();
  proto->set_name(name);
  proto->set_data_type(static_cast<int32_t>(tensor.type()));
  for (int64_t d : tensor.shape()) proto->add_dims(d);
  proto->set_raw_data(tensor.raw(), tensor.bytes());
}

}  // namespace coreinfer
