// Two-input arithmetic: Add, Sub, Mul, Div.
#include <cmath>
#include <type_traits>

#include "graph/ops/elementwise/binary_helpers.h"
#include "graph/ops/elementwise/unary_helpers.h"

namespace coreinfer::elementwise {
namespace {

// Integer arithmetic wraps (two's complement) instead of overflowing.
template <typename T>
struct AddOp {
  T operator()(T a, T b) const {
    if constexpr (std::is_integral_v<T>) return static_cast<T>(WrapType<T>(a) + WrapType<T>(b));
    else return a + b;
  }
};
template <typename T>
struct SubOp {
  T operator()(T a, T b) const {
    if constexpr (std::is_integral_v<T>) return static_cast<T>(WrapType<T>(a) - WrapType<T>(b));
    else return a - b;
  }
};
template <typename T>
struct MulOp {
  T operator()(T a, T b) const {
    if constexpr (std::is_integral_v<T>) return static_cast<T>(WrapType<T>(a) * WrapType<T>(b));
    else return a * b;
  }
};
// Integers truncate toward zero; the checked zero divisor never gets here, and x / -1 negates
// (the most negative value / -1 would trap).
template <typename T>
struct DivOp {
  T operator()(T a, T b) const {
    if constexpr (std::is_integral_v<T> && std::is_signed_v<T>) return b == T(-1) ? wrap_neg(a) : T(a / b);
    else return a / b;
  }
};

}  // namespace

void register_binary_arith(OpRegistry& r) {
  const NumericTypes n;
  r.add("", "Add", binary_factory(n, [](auto tag) { return AddOp<typename decltype(tag)::type>{}; }));
  r.add("", "Sub", binary_factory(n, [](auto tag) { return SubOp<typename decltype(tag)::type>{}; }));
  r.add("", "Mul", binary_factory(n, [](auto tag) { return MulOp<typename decltype(tag)::type>{}; }));
  r.add("", "Div",
        binary_factory(n, [](auto tag) { return DivOp<typename decltype(tag)::type>{}; }, IntegerDivisorCheck{}));
}

}  // namespace coreinfer::elementwise
