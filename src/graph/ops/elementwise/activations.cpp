// Activation functions: Relu family, sigmoids, Gelu, Clip, PRelu.
#include <cmath>
#include <limits>

#include "graph/broadcast.h"
#include "graph/ops/elementwise/erf_kernels.h"
#include "graph/ops/elementwise/fast_math.h"
#include "graph/ops/elementwise/unary_helpers.h"

namespace coreinfer::elementwise {
namespace {

template <typename T>
inline T softplus(T x) {
  return x > T(0) ? x + std::log1p(std::exp(-x)) : std::log1p(std::exp(x));
}

Result<std::unique_ptr<OpKernel>> make_gelu(const OpBuildContext& b) {
  const std::string approximate = b.attrs().get_string("approximate", "none");
  if (approximate == "none") {
    // float32 through the vectorised erf; double (and float16, widened) through std::erf.
    const FloatArrayFn gelu_float = best_gelu_erf(b.kernels);
    return make_kernel([gelu_float](OpRunContext& ctx) -> Status {
      CI_ASSIGN_OR_RETURN(const Tensor* x, required_input(ctx, 0, "X"));
      if (x->type() == ElemType::kFloat) return run_float_array(ctx, *x, gelu_float);
      return run_unary(ctx, FloatTypes{}, [](auto v) {
        using T = decltype(v);
        return T(0.5) * v * (T(1) + std::erf(v * T(0.70710678118654752440)));
      });
    });
  }
  if (approximate == "tanh") {
    return unary_factory(FloatTypes{}, [](auto x) {
      using T = decltype(x);
      const T inner = T(0.79788456080286535588) * (x + T(0.044715) * x * x * x);  // sqrt(2/pi)
      if constexpr (std::is_same_v<T, float>) return T(0.5) * x * (T(1) + tanh_fast(inner));
      else return T(0.5) * x * (T(1) + std::tanh(inner));
    })(b);
  }
  return invalid_argument("attribute 'approximate' is '" + approximate + "'; expected 'none' or 'tanh'");
}

// Clip before opset 11: min and max are float attributes.
Result<std::unique_ptr<OpKernel>> make_clip_attrs(const OpBuildContext& b) {
  const float lo = b.attrs().get_float("min", std::numeric_limits<float>::lowest());
  const float hi = b.attrs().get_float("max", std::numeric_limits<float>::max());
  return unary_factory(FloatTypes{}, [lo, hi](auto x) {
    using T = decltype(x);
    const T t = pick(x < T(lo), T(lo), x);
    return pick(t > T(hi), T(hi), t);
  })(b);
}

// Clip from opset 11: min and max are optional scalar inputs of X's type.
Status run_clip_inputs(OpRunContext& ctx) {
  CI_ASSIGN_OR_RETURN(const Tensor* x, required_input(ctx, 0, "input"));
  return dispatch(NumericTypes{}, x->type(), "input 'input'", [&](auto tag) -> Status {
    using T = typename decltype(tag)::type;
    T lo = std::numeric_limits<T>::lowest(), hi = std::numeric_limits<T>::max();
    const char* names[] = {"", "min", "max"};
    for (size_t i = 1; i <= 2; ++i) {
      const Tensor* bound = ctx.input(i);
      if (bound == nullptr || !bound->defined()) continue;
      CI_RETURN_IF_ERROR(check_same_type(*x, "input", *bound, names[i]));
      if (bound->numel() != 1)
        return invalid_argument(std::string("input ") + names[i] + " must be a scalar, got shape " +
                                shape_string(bound->shape()));
      (i == 1 ? lo : hi) = bound->data<T>()[0];
    }
    CI_ASSIGN_OR_RETURN(Tensor * y, ctx.allocate_output(0, x->type(), x->shape()));
    map_unary(ctx, x->data<T>(), y->data<T>(), x->numel(), [lo, hi](T v) {
      const T t = pick(v < lo, lo, v);
      return pick(t > hi, hi, t);
    });
    return Status::ok();
  });
}

Result<std::unique_ptr<OpKernel>> make_clip(const OpBuildContext& b) {
  if (b.opset < 11) return make_clip_attrs(b);
  return make_kernel(run_clip_inputs);
}

// PRelu: slope broadcasts to X (unidirectionally); the output has X's shape.
Status run_prelu(OpRunContext& ctx) {
  CI_ASSIGN_OR_RETURN(const Tensor* x, required_input(ctx, 0, "X"));
  CI_ASSIGN_OR_RETURN(const Tensor* slope, required_input(ctx, 1, "slope"));
  CI_RETURN_IF_ERROR(check_same_type(*x, "X", *slope, "slope"));
  const Shape shapes[] = {x->shape(), slope->shape()};
  CI_ASSIGN_OR_RETURN(Shape out_shape, broadcast_shapes(shapes));
  if (out_shape != x->shape())
    return invalid_argument("slope of shape " + shape_string(slope->shape()) + " does not broadcast to X's shape " +
                            shape_string(x->shape()));
  return dispatch(SignedNumericTypes{}, x->type(), "input X", [&](auto tag) -> Status {
    using T = typename decltype(tag)::type;
    CI_ASSIGN_OR_RETURN(Tensor * y, ctx.allocate_output(0, x->type(), out_shape));
    broadcast_binary<T, T>(ctx, *x, *slope, *y, [](T v, T s) { return pick(v < T(0), T(v * s), v); });
    return Status::ok();
  });
}

}  // namespace

void register_activations(OpRegistry& r) {
  const FloatTypes f;
  r.add("", "Relu", unary_factory(SignedNumericTypes{}, [](auto x) {
          using T = decltype(x);
          return pick(x < T(0), T(0), x);
        }));
  r.add("", "LeakyRelu", [](const OpBuildContext& b) {
    const float alpha = b.attrs().get_float("alpha", 0.01f);
    return unary_factory(FloatTypes{}, [alpha](auto x) {
      using T = decltype(x);
      return pick(x < T(0), T(T(alpha) * x), x);
    })(b);
  });
  r.add("", "Sigmoid", unary_factory(f, [](auto x) {
          using T = decltype(x);
          if constexpr (std::is_same_v<T, float>) return sigmoid_fast(x);
          else return T(1) / (T(1) + std::exp(-x));
        }));
  r.add("", "HardSigmoid", [](const OpBuildContext& b) {
    const float alpha = b.attrs().get_float("alpha", 0.2f), beta = b.attrs().get_float("beta", 0.5f);
    return unary_factory(FloatTypes{}, [alpha, beta](auto x) {
      using T = decltype(x);
      const T v = T(alpha) * x + T(beta);
      return pick(v < T(0), T(0), pick(v > T(1), T(1), v));
    })(b);
  });
  r.add("", "HardSwish", unary_factory(f, [](auto x) {
          using T = decltype(x);
          const T v = x / T(6) + T(0.5);
          return x * pick(v < T(0), T(0), pick(v > T(1), T(1), v));
        }));
  r.add("", "Tanh", unary_factory(f, [](auto x) {
          if constexpr (std::is_same_v<decltype(x), float>) return tanh_fast(x);
          else return std::tanh(x);
        }));
  r.add("", "Gelu", make_gelu);
  r.add("", "Softplus", unary_factory(f, [](auto x) { return softplus(x); }));
  r.add("", "Softsign", unary_factory(f, [](auto x) { return x / (decltype(x)(1) + std::fabs(x)); }));
  r.add("", "Mish", unary_factory(f, [](auto x) { return x * std::tanh(softplus(x)); }));
  r.add("", "Elu", [](const OpBuildContext& b) {
    const float alpha = b.attrs().get_float("alpha", 1.0f);
    return unary_factory(FloatTypes{}, [alpha](auto x) {
      using T = decltype(x);
      return x < T(0) ? T(alpha) * std::expm1(x) : x;
    })(b);
  });
  r.add("", "Selu", [](const OpBuildContext& b) {
    const float alpha = b.attrs().get_float("alpha", 1.67326319217681884765625f);
    const float gamma = b.attrs().get_float("gamma", 1.05070102214813232421875f);
    return unary_factory(FloatTypes{}, [alpha, gamma](auto x) {
      using T = decltype(x);
      return x <= T(0) ? T(gamma) * T(alpha) * std::expm1(x) : T(gamma) * x;
    })(b);
  });
  r.add("", "Celu", [](const OpBuildContext& b) -> Result<std::unique_ptr<OpKernel>> {
    const float alpha = b.attrs().get_float("alpha", 1.0f);
    if (alpha == 0.0f) return invalid_argument("attribute alpha must not be 0");
    return unary_factory(FloatTypes{}, [alpha](auto x) {
      using T = decltype(x);
      const T neg = T(alpha) * std::expm1(x / T(alpha));
      return (x > T(0) ? x : T(0)) + (neg < T(0) ? neg : T(0));
    })(b);
  });
  r.add("", "ThresholdedRelu", [](const OpBuildContext& b) {
    const float alpha = b.attrs().get_float("alpha", 1.0f);
    return unary_factory(FloatTypes{}, [alpha](auto x) {
      using T = decltype(x);
      return pick(x > T(alpha), x, T(0));
    })(b);
  });
  r.add("", "Shrink", [](const OpBuildContext& b) {
    const float lambd = b.attrs().get_float("lambd", 0.5f), bias = b.attrs().get_float("bias", 0.0f);
    return unary_factory(NumericTypes{}, [lambd, bias](auto x) {
      using T = decltype(x);
      if (static_cast<double>(x) < -static_cast<double>(lambd)) return static_cast<T>(x + T(bias));
      if (static_cast<double>(x) > static_cast<double>(lambd)) return static_cast<T>(x - T(bias));
      return T(0);
    })(b);
  });
  r.add("", "Clip", make_clip);
  r.add("", "PRelu", [](const OpBuildContext&) -> Result<std::unique_ptr<OpKernel>> { return make_kernel(run_prelu); });
}

}  // namespace coreinfer::elementwise
