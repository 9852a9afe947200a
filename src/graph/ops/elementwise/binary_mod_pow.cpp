// Two-input arithmetic with more rules: Mod (two sign conventions), Pow (mixed types), BitShift.
#include <cmath>
#include <type_traits>

#include "graph/ops/elementwise/binary_helpers.h"
#include "graph/ops/elementwise/unary_helpers.h"

namespace coreinfer::elementwise {
namespace {

// Mod: fmod=1 is C's remainder (sign of the dividend); fmod=0 the sign of the divisor.
template <typename T>
struct ModOp {
  bool c_remainder = false;
  T operator()(T a, T b) const {
    if constexpr (std::is_unsigned_v<T>) {
      return T(a % b);
    } else {
      T r;
      if constexpr (std::is_floating_point_v<T>) r = std::fmod(a, b);
      else r = b == T(-1) ? T(0) : T(a % b);
      if (!c_remainder && r != T(0) && ((r < T(0)) != (b < T(0)))) r = T(r + b);
      return r;
    }
  }
};

template <typename T>
T integer_pow(T base, T exp) {
  if constexpr (std::is_signed_v<T>) {
    if (exp < 0) {
      if (base == T(1)) return T(1);
      if (base == T(-1)) return (exp % 2 == 0) ? T(1) : T(-1);
      return T(0);
    }
  }
  using W = WrapType<T>;
  W result = 1, b = static_cast<W>(base);
  for (auto e = exp; e > 0; e /= 2) {
    if (e % 2 == 1) result *= b;
    b *= b;
  }
  return static_cast<T>(result);
}

// Pow: the output has the base's type. Float bases take the exponent converted to their type;
// integer bases use exact integer powers for integer exponents and double arithmetic otherwise.
Status run_pow(OpRunContext& ctx) {
  CI_ASSIGN_OR_RETURN(const Tensor* x, required_input(ctx, 0, "X"));
  CI_ASSIGN_OR_RETURN(const Tensor* y, required_input(ctx, 1, "Y"));
  if (x->type() == ElemType::kBool || y->type() == ElemType::kBool)
    return unsupported("Pow does not support bool inputs");
  const bool x_float = x->type() == ElemType::kFloat || x->type() == ElemType::kDouble;
  const bool y_float = y->type() == ElemType::kFloat || y->type() == ElemType::kDouble;
  if (!x_float && y_float) {
    CI_ASSIGN_OR_RETURN(Tensor xd, convert_tensor(*x, ElemType::kDouble, &ctx));
    CI_ASSIGN_OR_RETURN(Tensor yd, convert_tensor(*y, ElemType::kDouble, &ctx));
    const Tensor* ins[] = {&xd, &yd};
    Tensor result;
    OpRunContext sub{ins, std::span<Tensor>(&result, 1), ctx.pool, ctx.kernels};
    CI_RETURN_IF_ERROR(run_binary(sub, TypeList<double>{}, [](auto) {
      return [](double a, double b) { return std::pow(a, b); };
    }));
    CI_ASSIGN_OR_RETURN(ctx.outputs[0], convert_tensor(result, x->type(), &ctx));
    return Status::ok();
  }
  Tensor y_conv;
  const Tensor* ins[] = {x, y};
  if (y->type() != x->type()) {
    CI_ASSIGN_OR_RETURN(y_conv, convert_tensor(*y, x->type(), &ctx));
    ins[1] = &y_conv;
  }
  OpRunContext sub{ins, ctx.outputs, ctx.pool, ctx.kernels};
  return run_binary(sub, NumericTypes{}, [](auto tag) {
    using T = typename decltype(tag)::type;
    return [](T a, T b) {
      if constexpr (std::is_floating_point_v<T>) return b == T(2) ? a * a : std::pow(a, b);
      else return integer_pow(a, b);
    };
  });
}

Result<std::unique_ptr<OpKernel>> make_mod(const OpBuildContext& b) {
  const int64_t fmod = b.attrs().get_int("fmod", 0);
  if (fmod != 0 && fmod != 1)
    return invalid_argument("attribute fmod is " + std::to_string(fmod) + "; expected 0 or 1");
  const bool c_remainder = fmod == 1;
  return binary_factory(
      NumericTypes{},
      [c_remainder](auto tag) { return ModOp<typename decltype(tag)::type>{c_remainder}; },
      IntegerDivisorCheck{})(b);
}

Result<std::unique_ptr<OpKernel>> make_bitshift(const OpBuildContext& b) {
  const std::string direction = b.attrs().get_string("direction", "");
  if (direction != "LEFT" && direction != "RIGHT")
    return invalid_argument("attribute direction is '" + direction + "'; expected 'LEFT' or 'RIGHT'");
  const bool left = direction == "LEFT";
  return binary_factory(UnsignedIntTypes{}, [left](auto tag) {
    using T = typename decltype(tag)::type;
    return [left](T a, T s) -> T {
      if (s >= T(sizeof(T) * 8)) return T(0);
      using W = WrapType<T>;
      return left ? static_cast<T>(W(a) << s) : static_cast<T>(W(a) >> s);
    };
  })(b);
}

}  // namespace

void register_binary_mod_pow(OpRegistry& r) {
  r.add("", "Mod", make_mod);
  r.add("", "Pow", [](const OpBuildContext&) -> Result<std::unique_ptr<OpKernel>> { return make_kernel(run_pow); });
  r.add("", "BitShift", make_bitshift);
}

}  // namespace coreinfer::elementwise
