// One-input math: roots, exponentials, rounding, sign, trigonometry.
#include <cmath>

#include "graph/ops/elementwise/erf_kernels.h"
#include "graph/ops/elementwise/fast_math.h"
#include "graph/ops/elementwise/unary_helpers.h"

namespace coreinfer::elementwise {
namespace {

// float32 through the vectorised erf; double (and float16, widened) through std::erf.
Result<std::unique_ptr<OpKernel>> make_erf(const OpBuildContext& b) {
  const FloatArrayFn erf_float = best_erf(b.kernels);
  return make_kernel([erf_float](OpRunContext& ctx) -> Status {
    CI_ASSIGN_OR_RETURN(const Tensor* x, required_input(ctx, 0, "X"));
    if (x->type() == ElemType::kFloat) return run_float_array(ctx, *x, erf_float);
    return run_unary(ctx, FloatTypes{}, [](auto v) { return std::erf(v); });
  });
}

}  // namespace

void register_unary_math(OpRegistry& r) {
  const FloatTypes f;
  r.add("", "Sqrt", unary_factory(f, [](auto x) { return std::sqrt(x); }));
  r.add("", "Exp", unary_factory(f, [](auto x) { return std::exp(x); }));
  r.add("", "Log", unary_factory(f, [](auto x) { return std::log(x); }));
  r.add("", "Reciprocal", unary_factory(f, [](auto x) { return decltype(x)(1) / x; }));
  r.add("", "Floor", unary_factory(f, [](auto x) { return std::floor(x); }));
  r.add("", "Ceil", unary_factory(f, [](auto x) { return std::ceil(x); }));
  // Round half to even: nearbyint under the default rounding mode.
  r.add("", "Round", unary_factory(f, [](auto x) { return std::nearbyint(x); }));
  r.add("", "Erf", make_erf);
  r.add("", "Sin", unary_factory(f, [](auto x) { return std::sin(x); }));
  r.add("", "Cos", unary_factory(f, [](auto x) { return std::cos(x); }));
  r.add("", "Tan", unary_factory(f, [](auto x) { return std::tan(x); }));
  r.add("", "Asin", unary_factory(f, [](auto x) { return std::asin(x); }));
  r.add("", "Acos", unary_factory(f, [](auto x) { return std::acos(x); }));
  r.add("", "Atan", unary_factory(f, [](auto x) { return std::atan(x); }));
  r.add("", "Sinh", unary_factory(f, [](auto x) { return std::sinh(x); }));
  r.add("", "Cosh", unary_factory(f, [](auto x) { return std::cosh(x); }));
  r.add("", "Asinh", unary_factory(f, [](auto x) { return std::asinh(x); }));
  r.add("", "Acosh", unary_factory(f, [](auto x) { return std::acosh(x); }));
  r.add("", "Atanh", unary_factory(f, [](auto x) { return std::atanh(x); }));

  r.add("", "Neg", unary_factory(SignedNumericTypes{}, [](auto x) { return wrap_neg(x); }));
  r.add("", "Abs", unary_factory(NumericTypes{}, [](auto x) {
          using T = decltype(x);
          if constexpr (std::is_unsigned_v<T>) return x;
          else if constexpr (std::is_integral_v<T>) return x < T(0) ? wrap_neg(x) : x;
          else return std::fabs(x);
        }));
  r.add("", "Sign", unary_factory(NumericTypes{}, [](auto x) {
          using T = decltype(x);
          if constexpr (std::is_unsigned_v<T>) return T(x > T(0) ? 1 : 0);
          else return pick(x > T(0), T(1), pick(x < T(0), T(-1), x));  // 0 and NaN map to themselves
        }));
}

}  // namespace coreinfer::elementwise
