// Element-type dispatch for the element-wise ops: a small switch from a runtime ElemType to one
// templated loop per supported C++ type, so each op instantiates only the types it accepts.
#pragma once

#include <cstdint>
#include <string>
#include <type_traits>

#include "core/status.h"
#include "graph/tensor.h"

namespace coreinfer::elementwise {

template <typename T>
struct TypeTag {
  using type = T;
};

template <typename... Ts>
struct TypeList {};

// Storage-only stand-ins for the half types (converted through core/half.h).
struct Float16Bits {
  uint16_t bits;
};
struct BFloat16Bits {
  uint16_t bits;
};

template <typename T>
constexpr ElemType elem_type_id() {
  if constexpr (std::is_same_v<T, Float16Bits>) return ElemType::kFloat16;
  else if constexpr (std::is_same_v<T, BFloat16Bits>) return ElemType::kBFloat16;
  else return elem_type_of<T>();
}

using FloatTypes = TypeList<float, double>;
using SignedIntTypes = TypeList<int8_t, int16_t, int32_t, int64_t>;
using IntTypes = TypeList<int8_t, uint8_t, int16_t, uint16_t, int32_t, uint32_t, int64_t, uint64_t>;
using NumericTypes = TypeList<float, double, int8_t, uint8_t, int16_t, uint16_t, int32_t, uint32_t, int64_t, uint64_t>;
using SignedNumericTypes = TypeList<float, double, int8_t, int16_t, int32_t, int64_t>;
using UnsignedIntTypes = TypeList<uint8_t, uint16_t, uint32_t, uint64_t>;

template <typename... Ts>
std::string type_list_names(TypeList<Ts...>) {
  std::string s;
  ((s += (s.empty() ? "" : ", ") + std::string(elem_type_name(elem_type_id<Ts>()))), ...);
  return s;
}

// Calls fn(TypeTag<T>{}) for the T in `list` whose ElemType is `type`; an error naming `what`
// (e.g. "input X") and the supported types otherwise. fn returns Status.
template <typename... Ts, typename Fn>
Status dispatch(TypeList<Ts...> list, ElemType type, const std::string& what, Fn&& fn) {
  Status result;
  const bool found = ((type == elem_type_id<Ts>() ? (result = fn(TypeTag<Ts>{}), true) : false) || ...);
  if (!found)
    return unsupported(what + " has type " + elem_type_name(type) + ", which this op does not support (" +
                       type_list_names(list) + ")");
  return result;
}

template <typename T>
constexpr bool is_float_v = std::is_floating_point_v<T>;

// The unsigned type integer arithmetic wraps in (at least 32 bits so promotion never overflows int).
template <typename T>
using WrapType = std::conditional_t<(sizeof(T) < 4), uint32_t, std::make_unsigned_t<T>>;

}  // namespace coreinfer::elementwise
