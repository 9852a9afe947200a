// Shared pieces of the quantised operators: reading scale / zero-point inputs with clear errors,
// and the rounding that matches ONNX Runtime (MLAS): multiply or divide in float, clamp to the
// output range less the zero point, round half to even, add the zero point.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "core/status.h"
#include "graph/op_kernel.h"
#include "graph/tensor.h"

namespace coreinfer::quant {

// An 8/16-bit quantised element type (uint8, int8, uint16, int16).
bool is_quant_type(ElemType t);
bool is_8bit_type(ElemType t);
// [lowest, highest] of a quantised or int32 type.
int32_t type_min(ElemType t);
int32_t type_max(ElemType t);

// Element i of an integer tensor (uint8/int8/uint16/int16/int32) as int32.
int32_t int_at(const Tensor& t, int64_t i);

// The input `index` (named `name` in errors), or an error when a required input is missing.
Result<const Tensor*> required_input(const OpRunContext& ctx, size_t index, const char* name);

// A scale input: float (or float16/double), a scalar or 1-D tensor of 1 or `per_axis_len` values
// (per_axis_len <= 0: only one value allowed). Returns the values; an error names the input.
Result<std::vector<float>> read_scales(const Tensor& t, const char* name, int64_t per_axis_len);
// A zero-point input of `expected_type`, same shape rules; nullptr gives `count` zeros.
Result<std::vector<int32_t>> read_zero_points(const Tensor* t, ElemType expected_type, const char* name,
                                              int64_t per_axis_len, int64_t count_if_absent = 1);

// Expands a 1-value vector to n values (per-tensor to per-channel).
template <typename T>
std::vector<T> broadcast_to(const std::vector<T>& v, int64_t n) {
  if (static_cast<int64_t>(v.size()) == n) return v;
  return std::vector<T>(static_cast<size_t>(n), v.empty() ? T{} : v[0]);
}

// MLAS requantisation of an int32 accumulator: clamp(float(acc) * scale) in the output range less
// the zero point, round half to even, add the zero point.
struct Requant {
  float scale = 1.0f;
  float lo = 0.0f, hi = 255.0f;  // output range minus zero point
  int32_t zero_point = 0;
};
// static: files compiled with other ISA flags (_avx512.cpp) must not share one emitted copy.
static inline Requant make_requant(float scale, int32_t zero_point, ElemType out_type) {
  return Requant{scale, static_cast<float>(type_min(out_type) - zero_point),
                 static_cast<float>(type_max(out_type) - zero_point), zero_point};
}
static inline int32_t requantize(int32_t acc, const Requant& r) {
  float v = static_cast<float>(acc) * r.scale;
  v = std::min(std::max(v, r.lo), r.hi);
  return static_cast<int32_t>((v + 12582912.0f) - 12582912.0f) + r.zero_point;
}

// Round half to even for any float (the default rounding mode; magic-number add when small so
// loops vectorise without SSE4.1).
static inline float round_half_even(float v) {
  if (std::abs(v) < 4194304.0f) return (v + 12582912.0f) - 12582912.0f;
  return std::nearbyint(v);
}

// Calls fn(T{}) with T the C++ type of an 8/16-bit quantised element type.
template <typename Fn>
Status dispatch_quant_type(ElemType t, Fn&& fn) {
  switch (t) {
    case ElemType::kUint8: return fn(uint8_t{});
    case ElemType::kInt8: return fn(int8_t{});
    case ElemType::kUint16: return fn(uint16_t{});
    case ElemType::kInt16: return fn(int16_t{});
    default: return unsupported(std::string("element type ") + elem_type_name(t) + " is not a supported quantised type");
  }
}

std::string type_mismatch(const char* name, ElemType expected, ElemType actual);

}  // namespace coreinfer::quant
