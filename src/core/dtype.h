// Element types. The numeric values of the types that GGUF files store are GGUF's own
// (ggml_type), so a GGUF tensor's type field converts with a range check and no table.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace coreinfer {

enum class DType : uint32_t {
  kF32 = 0,
  kF16 = 1,
  kQ4_0 = 2,
  kQ4_1 = 3,
  kQ5_0 = 6,
  kQ5_1 = 7,
  kQ8_0 = 8,
  kQ8_1 = 9,
  kQ2_K = 10,
  kQ3_K = 11,
  kQ4_K = 12,
  kQ5_K = 13,
  kQ6_K = 14,
  kQ8_K = 15,
  kI8 = 24,
  kI16 = 25,
  kI32 = 26,
  kI64 = 27,
  kF64 = 28,
  kBF16 = 30,
  // Types of our own (not in GGUF) start at 1000.
  kU8 = 1000,
  kBool = 1001,
};

// Block layout of a type: `block_size` elements take `block_bytes` bytes. Plain types have
// block_size 1.
struct DTypeInfo {
  DType type;
  std::string_view name;
  int block_size;
  int block_bytes;
  bool quantized;
};

// Returns nullptr for a value that is not a known type (e.g. read from a file).
const DTypeInfo* dtype_info(uint32_t raw_type);
const DTypeInfo& dtype_info(DType type);
inline std::string_view dtype_name(DType t) { return dtype_info(t).name; }
// Parses a name such as "Q4_K" or "f32" (case-insensitive); false if unknown.
bool parse_dtype(std::string_view name, DType* out);

// Bytes of a row of `n` elements; n must be a multiple of the block size.
inline size_t row_bytes(DType t, int64_t n) {
  const DTypeInfo& info = dtype_info(t);
  return static_cast<size_t>(n / info.block_size) * static_cast<size_t>(info.block_bytes);
}

}  // namespace coreinfer
