// Comparisons (bool output), boolean logic, and the float predicates IsNaN / IsInf.
#include <cmath>

#include "graph/ops/elementwise/binary_helpers.h"
#include "graph/ops/elementwise/unary_helpers.h"

namespace coreinfer::elementwise {
namespace {

using EqualTypes =
    TypeList<float, double, int8_t, uint8_t, int16_t, uint16_t, int32_t, uint32_t, int64_t, uint64_t, bool>;
using BoolType = TypeList<bool>;

template <typename Types, typename Fn>
OpFactory compare(Types types, Fn fn) {
  return binary_factory(types, [fn](auto tag) {
    using T = typename decltype(tag)::type;
    return [fn](T a, T b) -> bool { return fn(a, b); };
  });
}

Result<std::unique_ptr<OpKernel>> make_isinf(const OpBuildContext& b) {
  const bool neg = b.attrs().get_int("detect_negative", 1) != 0;
  const bool pos = b.attrs().get_int("detect_positive", 1) != 0;
  return unary_factory(FloatTypes{}, [neg, pos](auto x) -> bool {
    return std::isinf(x) && ((x > 0 && pos) || (x < 0 && neg));
  })(b);
}

}  // namespace

void register_compare_logic(OpRegistry& r) {
  const NumericTypes n;
  r.add("", "Equal", compare(EqualTypes{}, [](auto a, auto b) { return a == b; }));
  r.add("", "Less", compare(n, [](auto a, auto b) { return a < b; }));
  r.add("", "Greater", compare(n, [](auto a, auto b) { return a > b; }));
  r.add("", "LessOrEqual", compare(n, [](auto a, auto b) { return a <= b; }));
  r.add("", "GreaterOrEqual", compare(n, [](auto a, auto b) { return a >= b; }));
  r.add("", "And", compare(BoolType{}, [](bool a, bool b) { return a && b; }));
  r.add("", "Or", compare(BoolType{}, [](bool a, bool b) { return a || b; }));
  r.add("", "Xor", compare(BoolType{}, [](bool a, bool b) { return a != b; }));
  r.add("", "Not", unary_factory(BoolType{}, [](bool x) { return !x; }));
  r.add("", "IsNaN", unary_factory(FloatTypes{}, [](auto x) -> bool { return std::isnan(x); }));
  r.add("", "IsInf", make_isinf);
}

}  // namespace coreinfer::elementwise
