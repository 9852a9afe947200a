// Tensor: a typed, shaped view of shared, 64-byte-aligned storage. The value type of the graph
// engine (ONNX models): copies share the bytes; reshaped() makes a view of the same bytes.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/aligned_buffer.h"
#include "core/status.h"

namespace coreinfer {

// Element types, numbered as ONNX's TensorProto.DataType.
enum class ElemType : int32_t {
  kUndefined = 0,
  kFloat = 1,
  kUint8 = 2,
  kInt8 = 3,
  kUint16 = 4,
  kInt16 = 5,
  kInt32 = 6,
  kInt64 = 7,
  kString = 8,  // not supported as data: rejected with a clear error
  kBool = 9,
  kFloat16 = 10,
  kDouble = 11,
  kUint32 = 12,
  kUint64 = 13,
  kBFloat16 = 16,
};

size_t elem_size(ElemType type);  // 0 for undefined / string / unknown
const char* elem_type_name(ElemType type);
bool elem_type_known(int32_t onnx_type);  // a data type this engine can hold

using Shape = std::vector<int64_t>;
// Product of the dimensions; -1 when a dimension is negative or the product overflows int64.
int64_t shape_numel(const Shape& shape);
std::string shape_string(const Shape& shape);  // "[1,3,224,224]"

// Largest tensor the engine allocates (a malformed shape must not exhaust memory).
inline constexpr int64_t kMaxTensorBytes = int64_t{16} << 30;

template <typename T>
constexpr ElemType elem_type_of();
template <> constexpr ElemType elem_type_of<float>() { return ElemType::kFloat; }
template <> constexpr ElemType elem_type_of<double>() { return ElemType::kDouble; }
template <> constexpr ElemType elem_type_of<uint8_t>() { return ElemType::kUint8; }
template <> constexpr ElemType elem_type_of<int8_t>() { return ElemType::kInt8; }
template <> constexpr ElemType elem_type_of<uint16_t>() { return ElemType::kUint16; }
template <> constexpr ElemType elem_type_of<int16_t>() { return ElemType::kInt16; }
template <> constexpr ElemType elem_type_of<int32_t>() { return ElemType::kInt32; }
template <> constexpr ElemType elem_type_of<int64_t>() { return ElemType::kInt64; }
template <> constexpr ElemType elem_type_of<uint32_t>() { return ElemType::kUint32; }
template <> constexpr ElemType elem_type_of<uint64_t>() { return ElemType::kUint64; }
template <> constexpr ElemType elem_type_of<bool>() { return ElemType::kBool; }

class Tensor {
 public:
  Tensor() = default;

  // Zero-filled storage for `shape`; fails on negative dimensions or more than kMaxTensorBytes.
  static Result<Tensor> allocate(ElemType type, Shape shape);
  // The same, with storage from `pool` (nullptr: the heap).
  static Result<Tensor> allocate(ElemType type, Shape shape, class BufferPool* pool);
  // Storage left uninitialised, for callers that overwrite every byte (file readers).
  static Result<Tensor> allocate_uninitialized(ElemType type, Shape shape);
  static Result<Tensor> allocate_uninitialized(ElemType type, Shape shape, class BufferPool* pool);
  // Test and constant-building convenience: a float/int64/... tensor holding `values`.
  template <typename T>
  static Tensor from_vector(Shape shape, const std::vector<T>& values);
  static Tensor scalar_f32(float v) { return from_vector<float>({}, {v}); }

  bool defined() const { return storage_ != nullptr || type_ != ElemType::kUndefined; }
  ElemType type() const { return type_; }
  const Shape& shape() const { return shape_; }
  int rank() const { return static_cast<int>(shape_.size()); }
  int64_t dim(int i) const { return shape_[i < 0 ? i + rank() : i]; }
  int64_t numel() const { return numel_; }
  size_t bytes() const { return static_cast<size_t>(numel_) * elem_size(type_); }

  void* raw() { return storage_ ? storage_->as<std::byte>() + offset_ : nullptr; }
  const void* raw() const { return storage_ ? storage_->as<std::byte>() + offset_ : nullptr; }
  template <typename T>
  T* data() { return static_cast<T*>(raw()); }
  template <typename T>
  const T* data() const { return static_cast<const T*>(raw()); }

  // A view with another shape of the same element count (the bytes are shared).
  Result<Tensor> reshaped(Shape shape) const;
  // A view of the same bytes as another type of the same size (e.g. uint16 bit patterns as bfloat16).
  Result<Tensor> reinterpreted(ElemType type) const;
  // A deep copy (its own storage).
  Tensor clone() const;
  // True when both share storage (a view or a copy of the handle).
  bool shares_storage_with(const Tensor& other) const { return storage_ && storage_ == other.storage_; }

  // Values of an integer tensor (int32/int64/uint8/...) as int64, for shape-like inputs.
  Result<std::vector<int64_t>> to_int64_vector() const;
  // Values of a float-like tensor (float/double/float16/int*) as double.
  Result<std::vector<double>> to_double_vector() const;

 private:
  std::shared_ptr<AlignedBuffer> storage_;
  size_t offset_ = 0;
  ElemType type_ = ElemType::kUndefined;
  Shape shape_;
  int64_t numel_ = 0;
};

template <typename T>
Tensor Tensor::from_vector(Shape shape, const std::vector<T>& values) {
  auto r = allocate(elem_type_of<T>(), std::move(shape));
  Tensor t = std::move(r).value();
  T* d = t.data<T>();
  for (size_t i = 0; i < values.size() && static_cast<int64_t>(i) < t.numel(); ++i) d[i] = values[i];
  return t;
}

}  // namespace coreinfer
