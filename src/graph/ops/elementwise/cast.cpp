// Cast and CastLike, and the conversion they share with the float16/bfloat16 widening.
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <type_traits>

#include "core/half.h"
#include "graph/ops/elementwise/common.h"
#include "graph/ops/elementwise/loops.h"
#include "graph/ops/elementwise/type_dispatch.h"

namespace coreinfer::elementwise {
namespace {

using F16 = Float16Bits;
using BF16 = BFloat16Bits;

using CastTypes = TypeList<float, double, F16, BF16, int8_t, uint8_t, int16_t, uint16_t, int32_t, uint32_t, int64_t,
                           uint64_t, bool>;

// Float to integer: truncation toward zero; NaN gives 0 and values beyond int64 saturate (the C
// conversion would be undefined), then narrower types wrap as an int64 conversion does.
template <typename D, typename S>
D float_to_int(S s) {
  if (std::isnan(s)) return D(0);
  if constexpr (std::is_same_v<D, uint64_t>) {
    if (s >= S(18446744073709551616.0)) return std::numeric_limits<uint64_t>::max();
    if (s >= S(0)) return static_cast<uint64_t>(s);
  }
  int64_t v;
  if (s <= S(-9223372036854775808.0)) v = std::numeric_limits<int64_t>::min();
  else if (s >= S(9223372036854775808.0)) v = std::numeric_limits<int64_t>::max();
  else v = static_cast<int64_t>(s);
  return static_cast<D>(v);
}

template <typename D, typename S>
inline D convert_value(S s) {
  if constexpr (std::is_same_v<S, F16>) {
    return convert_value<D>(fp16_to_float(s.bits));
  } else if constexpr (std::is_same_v<S, BF16>) {
    return convert_value<D>(bf16_to_float(s.bits));
  } else if constexpr (std::is_same_v<D, F16>) {
    return F16{float_to_fp16(static_cast<float>(s))};
  } else if constexpr (std::is_same_v<D, BF16>) {
    return BF16{float_to_bf16(static_cast<float>(s))};
  } else if constexpr (std::is_same_v<D, bool>) {
    return s != S(0);
  } else if constexpr (std::is_integral_v<D> && std::is_floating_point_v<S>) {
    return float_to_int<D>(s);
  } else {
    return static_cast<D>(s);
  }
}

template <typename D, typename S>
void convert_loop(const Tensor& src, Tensor& dst, const OpRunContext* ctx) {
  const S* in = static_cast<const S*>(src.raw());
  D* out = static_cast<D*>(dst.raw());
  auto body = [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) out[i] = convert_value<D>(in[i]);
  };
  if (ctx != nullptr) ctx->parallel_for(src.numel(), kGrain, body);
  else body(0, src.numel());
}

}  // namespace

Result<Tensor> convert_tensor(const Tensor& src, ElemType to, const OpRunContext* ctx) {
  if (to == ElemType::kString || src.type() == ElemType::kString)
    return unsupported(std::string("casting from ") + elem_type_name(src.type()) + " to " + elem_type_name(to) +
                       " is not supported (string tensors are not supported)");
  CI_ASSIGN_OR_RETURN(Tensor dst, Tensor::allocate(to, src.shape()));
  if (src.type() == to) {
    if (src.bytes() > 0) std::memcpy(dst.raw(), src.raw(), src.bytes());
    return dst;
  }
  const Status st = dispatch(CastTypes{}, src.type(), "the input", [&](auto s_tag) {
    using S = typename decltype(s_tag)::type;
    return dispatch(CastTypes{}, to, "the target type", [&](auto d_tag) {
      using D = typename decltype(d_tag)::type;
      convert_loop<D, S>(src, dst, ctx);
      return Status::ok();
    });
  });
  if (!st.is_ok()) return st;
  return dst;
}

namespace {

Result<std::unique_ptr<OpKernel>> make_cast(const OpBuildContext& b) {
  const Attribute* to_attr = b.attrs().find("to");
  if (to_attr == nullptr || to_attr->kind != Attribute::Kind::kInt)
    return invalid_argument("Cast needs the integer attribute 'to' (the target element type)");
  const int64_t to = to_attr->i;
  if (to == static_cast<int64_t>(ElemType::kString))
    return unsupported("Cast to string is not supported (string tensors are not supported)");
  if (to < 0 || to > 64 || !elem_type_known(static_cast<int32_t>(to)))
    return unsupported("Cast to element type " + std::to_string(to) + " is not supported");
  const ElemType target = static_cast<ElemType>(to);
  return make_kernel(
      [target](OpRunContext& ctx) -> Status {
        CI_ASSIGN_OR_RETURN(const Tensor* x, required_input(ctx, 0, "input"));
        CI_ASSIGN_OR_RETURN(ctx.outputs[0], convert_tensor(*x, target, &ctx));
        return Status::ok();
      },
      false);
}

Result<std::unique_ptr<OpKernel>> make_cast_like(const OpBuildContext&) {
  return make_kernel(
      [](OpRunContext& ctx) -> Status {
        CI_ASSIGN_OR_RETURN(const Tensor* x, required_input(ctx, 0, "input"));
        CI_ASSIGN_OR_RETURN(const Tensor* like, required_input(ctx, 1, "target_type"));
        CI_ASSIGN_OR_RETURN(ctx.outputs[0], convert_tensor(*x, like->type(), &ctx));
        return Status::ok();
      },
      false);
}

}  // namespace

void register_cast(OpRegistry& r) {
  r.add("", "Cast", make_cast);
  r.add("", "CastLike", make_cast_like);
}

}  // namespace coreinfer::elementwise
