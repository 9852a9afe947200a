#include "core/dtype.h"

#include <array>
#include <cctype>

namespace coreinfer {
namespace {

// Block sizes and bytes follow the GGUF (ggml) block layouts; see kernels/quant/blocks.h.
constexpr std::array<DTypeInfo, 21> kTypes = {{
    {DType::kF32, "F32", 1, 4, false},
    {DType::kF16, "F16", 1, 2, false},
    {DType::kQ4_0, "Q4_0", 32, 18, true},
    {DType::kQ4_1, "Q4_1", 32, 20, true},
    {DType::kQ5_0, "Q5_0", 32, 22, true},
    {DType::kQ5_1, "Q5_1", 32, 24, true},
    {DType::kQ8_0, "Q8_0", 32, 34, true},
    {DType::kQ8_1, "Q8_1", 32, 36, true},
    {DType::kQ2_K, "Q2_K", 256, 84, true},
    {DType::kQ3_K, "Q3_K", 256, 110, true},
    {DType::kQ4_K, "Q4_K", 256, 144, true},
    {DType::kQ5_K, "Q5_K", 256, 176, true},
    {DType::kQ6_K, "Q6_K", 256, 210, true},
    {DType::kQ8_K, "Q8_K", 256, 292, true},
    {DType::kI8, "I8", 1, 1, false},
    {DType::kI16, "I16", 1, 2, false},
    {DType::kI32, "I32", 1, 4, false},
    {DType::kI64, "I64", 1, 8, false},
    {DType::kF64, "F64", 1, 8, false},
    {DType::kBF16, "BF16", 1, 2, false},
    {DType::kU8, "U8", 1, 1, false},
}};
constexpr DTypeInfo kBool{DType::kBool, "BOOL", 1, 1, false};

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::toupper(static_cast<unsigned char>(a[i])) != std::toupper(static_cast<unsigned char>(b[i]))) return false;
  }
  return true;
}

}  // namespace

const DTypeInfo* dtype_info(uint32_t raw_type) {
  for (const DTypeInfo& info : kTypes) {
    if (static_cast<uint32_t>(info.type) == raw_type) return &info;
  }
  if (raw_type == static_cast<uint32_t>(DType::kBool)) return &kBool;
  return nullptr;
}

const DTypeInfo& dtype_info(DType type) { return *dtype_info(static_cast<uint32_t>(type)); }

bool parse_dtype(std::string_view name, DType* out) {
  for (const DTypeInfo& info : kTypes) {
    if (iequals(info.name, name)) {
      *out = info.type;
      return true;
    }
  }
  return false;
}

}  // namespace coreinfer
