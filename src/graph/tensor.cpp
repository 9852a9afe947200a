#include "graph/tensor.h"

#include <cstring>
#include <algorithm>
#include <limits>

#include "core/half.h"
#include "graph/buffer_pool.h"

namespace coreinfer {

size_t elem_size(ElemType type) {
  switch (type) {
    case ElemType::kFloat: case ElemType::kInt32: case ElemType::kUint32: return 4;
    case ElemType::kUint8: case ElemType::kInt8: case ElemType::kBool: return 1;
    case ElemType::kUint16: case ElemType::kInt16: case ElemType::kFloat16: case ElemType::kBFloat16: return 2;
    case ElemType::kInt64: case ElemType::kDouble: case ElemType::kUint64: return 8;
    default: return 0;
  }
}

const char* elem_type_name(ElemType type) {
  switch (type) {
    case ElemType::kFloat: return "float32";
    case ElemType::kUint8: return "uint8";
    case ElemType::kInt8: return "int8";
    case ElemType::kUint16: return "uint16";
    case ElemType::kInt16: return "int16";
    case ElemType::kInt32: return "int32";
    case ElemType::kInt64: return "int64";
    case ElemType::kString: return "string";
    case ElemType::kBool: return "bool";
    case ElemType::kFloat16: return "float16";
    case ElemType::kDouble: return "float64";
    case ElemType::kUint32: return "uint32";
    case ElemType::kUint64: return "uint64";
    case ElemType::kBFloat16: return "bfloat16";
    default: return "undefined";
  }
}

bool elem_type_known(int32_t onnx_type) { return elem_size(static_cast<ElemType>(onnx_type)) != 0; }

int64_t shape_numel(const Shape& shape) {
  int64_t n = 1;
  for (int64_t d : shape) {
    if (d < 0) return -1;
    if (d != 0 && n > std::numeric_limits<int64_t>::max() / d) return -1;
    n *= d;
  }
  return n;
}

std::string shape_string(const Shape& shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i) s += ',';
    s += std::to_string(shape[i]);
  }
  return s + "]";
}

Result<Tensor> Tensor::allocate(ElemType type, Shape shape) { return allocate(type, std::move(shape), nullptr); }

Result<Tensor> Tensor::allocate(ElemType type, Shape shape, BufferPool* pool) {
  CI_ASSIGN_OR_RETURN(Tensor t, allocate_uninitialized(type, std::move(shape), pool));
  if (t.storage_) std::memset(t.storage_->data(), 0, std::max<size_t>(t.bytes(), 1));
  return t;
}

Result<Tensor> Tensor::allocate_uninitialized(ElemType type, Shape shape) {
  return allocate_uninitialized(type, std::move(shape), nullptr);
}

Result<Tensor> Tensor::allocate_uninitialized(ElemType type, Shape shape, BufferPool* pool) {
  const size_t es = elem_size(type);
  if (es == 0) return unsupported(std::string("tensors of type ") + elem_type_name(type) + " are not supported");
  const int64_t n = shape_numel(shape);
  if (n < 0) return invalid_argument("invalid tensor shape " + shape_string(shape));
  if (n > kMaxTensorBytes / static_cast<int64_t>(es))
    return out_of_range("tensor of shape " + shape_string(shape) + " (" + elem_type_name(type) +
                        ") is larger than the 16 GiB limit");
  Tensor t;
  t.type_ = type;
  t.shape_ = std::move(shape);
  t.numel_ = n;
  const size_t bytes = static_cast<size_t>(n) * es;
  t.storage_ = pool ? pool->get(bytes) : std::make_shared<AlignedBuffer>(bytes == 0 ? 1 : bytes);
  return t;
}

Result<Tensor> Tensor::reshaped(Shape shape) const {
  const int64_t n = shape_numel(shape);
  if (n != numel_)
    return invalid_argument("cannot view " + shape_string(shape_) + " (" + std::to_string(numel_) +
                            " elements) as " + shape_string(shape));
  Tensor t = *this;
  t.shape_ = std::move(shape);
  return t;
}

Result<Tensor> Tensor::reinterpreted(ElemType type) const {
  if (elem_size(type) != elem_size(type_) || elem_size(type) == 0)
    return invalid_argument(std::string("cannot view ") + elem_type_name(type_) + " as " + elem_type_name(type));
  Tensor t = *this;
  t.type_ = type;
  return t;
}

Tensor Tensor::clone() const {
  if (!defined()) return {};
  Tensor t = std::move(allocate(type_, shape_)).value();
  if (bytes() > 0) std::memcpy(t.raw(), raw(), bytes());
  return t;
}

Result<std::vector<int64_t>> Tensor::to_int64_vector() const {
  std::vector<int64_t> v(static_cast<size_t>(numel_));
  for (int64_t i = 0; i < numel_; ++i) {
    switch (type_) {
      case ElemType::kInt64: v[i] = data<int64_t>()[i]; break;
      case ElemType::kInt32: v[i] = data<int32_t>()[i]; break;
      case ElemType::kInt16: v[i] = data<int16_t>()[i]; break;
      case ElemType::kInt8: v[i] = data<int8_t>()[i]; break;
      case ElemType::kUint8: v[i] = data<uint8_t>()[i]; break;
      case ElemType::kUint16: v[i] = data<uint16_t>()[i]; break;
      case ElemType::kUint32: v[i] = data<uint32_t>()[i]; break;
      case ElemType::kUint64: v[i] = static_cast<int64_t>(data<uint64_t>()[i]); break;
      case ElemType::kBool: v[i] = data<bool>()[i] ? 1 : 0; break;
      default:
        return invalid_argument(std::string("expected an integer tensor, got ") + elem_type_name(type_));
    }
  }
  return v;
}

Result<std::vector<double>> Tensor::to_double_vector() const {
  std::vector<double> v(static_cast<size_t>(numel_));
  for (int64_t i = 0; i < numel_; ++i) {
    switch (type_) {
      case ElemType::kFloat: v[i] = data<float>()[i]; break;
      case ElemType::kDouble: v[i] = data<double>()[i]; break;
      case ElemType::kFloat16: v[i] = fp16_to_float(data<uint16_t>()[i]); break;
      case ElemType::kBFloat16: v[i] = bf16_to_float(data<uint16_t>()[i]); break;
      default: {
        auto ints = to_int64_vector();
        if (!ints.is_ok()) return ints.status();
        for (int64_t j = 0; j < numel_; ++j) v[j] = static_cast<double>((*ints)[j]);
        return v;
      }
    }
  }
  return v;
}

}  // namespace coreinfer
