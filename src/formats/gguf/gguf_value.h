// GGUF metadata values: the 13 GGUF value types, scalars and (possibly nested) arrays.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace coreinfer::gguf {

enum class ValueType : uint32_t {
  kUint8 = 0,
  kInt8 = 1,
  kUint16 = 2,
  kInt16 = 3,
  kUint32 = 4,
  kInt32 = 5,
  kFloat32 = 6,
  kBool = 7,
  kString = 8,
  kArray = 9,
  kUint64 = 10,
  kInt64 = 11,
  kFloat64 = 12,
};
inline constexpr uint32_t kValueTypeCount = 13;

const char* value_type_name(ValueType t);
inline bool is_integer_type(ValueType t) {
  return t == ValueType::kUint8 || t == ValueType::kInt8 || t == ValueType::kUint16 || t == ValueType::kInt16 ||
         t == ValueType::kUint32 || t == ValueType::kInt32 || t == ValueType::kUint64 || t == ValueType::kInt64;
}
inline bool is_float_type(ValueType t) { return t == ValueType::kFloat32 || t == ValueType::kFloat64; }

struct Array;

// One metadata value. Integers of every width are held in `i` (uint64 values above INT64_MAX
// keep their bits in `u`), floats in `f`, bools in `b`, strings in `s`.
struct Value {
  ValueType type = ValueType::kUint8;
  int64_t i = 0;
  uint64_t u = 0;
  double f = 0;
  bool b = false;
  std::string s;
  std::vector<Array> array;  // exactly one element when type == kArray

  const Array* as_array() const { return type == ValueType::kArray && !array.empty() ? &array[0] : nullptr; }
};

// An array keeps its elements in the vector that fits the element type, so vocabularies of
// 100k+ strings stay compact: `strings` for kString, `ints` for integer and bool elements,
// `floats` for float elements, `arrays` for nested arrays.
struct Array {
  ValueType elem_type = ValueType::kUint8;
  uint64_t size = 0;
  std::vector<std::string> strings;
  std::vector<int64_t> ints;
  std::vector<double> floats;
  std::vector<Array> arrays;
};

}  // namespace coreinfer::gguf
