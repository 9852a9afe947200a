// com.microsoft QLinearConcat, QLinearSigmoid, QLinearLeakyRelu: 8-bit inputs mapped through a
// 256-entry table (dequantise, transform in float, quantise: round half to even of v / y_scale).
#include <cmath>
#include <cstring>
#include <functional>
#include <memory>

#include "graph/ops/quant/quant_ops.h"
#include "graph/ops/quant/quant_util.h"

namespace coreinfer::quant {
namespace {

// table[v] for every 8-bit value v of `type`, indexed by the stored byte.
std::array<uint8_t, 256> build_table(ElemType type, float xs, int32_t xz, float ys, int32_t yz,
                                     const std::function<float(float)>& f) {
  std::array<uint8_t, 256> t{};
  const bool is_signed = type == ElemType::kInt8;
  const float lo = static_cast<float>(type_min(type) - yz), hi = static_cast<float>(type_max(type) - yz);
  for (int byte = 0; byte < 256; ++byte) {
    const int32_t v = is_signed ? static_cast<int8_t>(byte) : byte;
    const float x = xs * static_cast<float>(v - xz);
    float q = f(x) / ys;
    q = q >= lo ? q : lo;
    q = q <= hi ? q : hi;
    t[byte] = static_cast<uint8_t>(static_cast<int32_t>(round_half_even(q)) + yz);
  }
  return t;
}

Status unary_lookup(OpRunContext& ctx, const std::function<float(float)>& f) {
  CI_ASSIGN_OR_RETURN(const Tensor* x, required_input(ctx, 0, "X"));
  if (!is_8bit_type(x->type())) return invalid_argument(std::string("X must be uint8 or int8, got ") + elem_type_name(x->type()));
  CI_ASSIGN_OR_RETURN(const Tensor* xs, required_input(ctx, 1, "X_scale"));
  CI_ASSIGN_OR_RETURN(const Tensor* ys, required_input(ctx, 3, "Y_scale"));
  CI_ASSIGN_OR_RETURN(auto vxs, read_scales(*xs, "X_scale", 0));
  CI_ASSIGN_OR_RETURN(auto vys, read_scales(*ys, "Y_scale", 0));
  CI_ASSIGN_OR_RETURN(auto xz, read_zero_points(ctx.input(2), x->type(), "X_zero_point", 0));
  CI_ASSIGN_OR_RETURN(auto yz, read_zero_points(ctx.input(4), x->type(), "Y_zero_point", 0));
  const auto table = build_table(x->type(), vxs[0], xz[0], vys[0], yz[0], f);
  CI_ASSIGN_OR_RETURN(Tensor * y, ctx.allocate_output(0, x->type(), x->shape()));
  const uint8_t* in = static_cast<const uint8_t*>(x->raw());
  uint8_t* out = static_cast<uint8_t*>(y->raw());
  ctx.parallel_for(x->numel(), 65536, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) out[i] = table[in[i]];
  });
  return Status::ok();
}

Status qlinear_concat(OpRunContext& ctx, int64_t axis) {
  CI_ASSIGN_OR_RETURN(const Tensor* ys, required_input(ctx, 0, "Y_scale"));
  CI_ASSIGN_OR_RETURN(const Tensor* yz_t, required_input(ctx, 1, "Y_zero_point"));
  if (ctx.num_inputs() < 5 || (ctx.num_inputs() - 2) % 3 != 0)
    return invalid_argument("QLinearConcat takes Y_scale, Y_zero_point, then (X, X_scale, X_zero_point) triples; got " +
                            std::to_string(ctx.num_inputs()) + " inputs");
  if (!is_8bit_type(yz_t->type()))
    return invalid_argument(std::string("Y_zero_point must be uint8 or int8, got ") + elem_type_name(yz_t->type()));
  const ElemType type = yz_t->type();
  CI_ASSIGN_OR_RETURN(auto vys, read_scales(*ys, "Y_scale", 0));
  CI_ASSIGN_OR_RETURN(auto vyz, read_zero_points(yz_t, type, "Y_zero_point", 0));
  const size_t count = (ctx.num_inputs() - 2) / 3;
  std::vector<const Tensor*> xs(count);
  for (size_t i = 0; i < count; ++i) {
    const std::string name = std::string("X").append(std::to_string(i));
    CI_ASSIGN_OR_RETURN(xs[i], required_input(ctx, 2 + 3 * i, name.c_str()));
    if (xs[i]->type() != type) return invalid_argument(type_mismatch(name.c_str(), type, xs[i]->type()));
  }
  const int64_t rank = xs[0]->rank();
  CI_ASSIGN_OR_RETURN(int64_t a, normalize_axis(axis, rank));
  Shape out = xs[0]->shape();
  out[a] = 0;
  for (size_t i = 0; i < count; ++i) {
    const Shape& s = xs[i]->shape();
    if (static_cast<int64_t>(s.size()) != rank)
      return invalid_argument(std::string("input ").append(std::to_string(i)) + " " + shape_string(s) + " has a different rank than " +
                              shape_string(xs[0]->shape()));
    for (int64_t d = 0; d < rank; ++d)
      if (d != a && s[d] != xs[0]->shape()[d])
        return invalid_argument(std::string("input ").append(std::to_string(i)) + " " + shape_string(s) + " differs from " +
                                shape_string(xs[0]->shape()) + " outside axis " + std::to_string(a));
    out[a] += s[a];
  }
  CI_ASSIGN_OR_RETURN(Tensor * y, ctx.allocate_output(0, type, out));
  int64_t outer = 1, inner = 1;
  for (int64_t d = 0; d < a; ++d) outer *= out[d];
  for (int64_t d = a + 1; d < rank; ++d) inner *= out[d];
  uint8_t* yp = static_cast<uint8_t*>(y->raw());
  const int64_t out_row = out[a] * inner;
  int64_t col = 0;
  for (size_t i = 0; i < count; ++i) {
    const std::string sname = std::string("X").append(std::to_string(i)) + "_scale", zname = std::string("X").append(std::to_string(i)) + "_zero_point";
    CI_ASSIGN_OR_RETURN(const Tensor* s_t, required_input(ctx, 3 + 3 * i, sname.c_str()));
    CI_ASSIGN_OR_RETURN(auto vs, read_scales(*s_t, sname.c_str(), 0));
    CI_ASSIGN_OR_RETURN(auto vz, read_zero_points(ctx.input(4 + 3 * i), type, zname.c_str(), 0));
    const bool same = vs[0] == vys[0] && vz[0] == vyz[0];
    const auto table = build_table(type, vs[0], vz[0], vys[0], vyz[0], [](float v) { return v; });
    const uint8_t* xp = static_cast<const uint8_t*>(xs[i]->raw());
    const int64_t row = xs[i]->shape()[a] * inner;
    for (int64_t o = 0; o < outer; ++o) {
      uint8_t* dst = yp + o * out_row + col;
      const uint8_t* src = xp + o * row;
      if (same) std::memcpy(dst, src, static_cast<size_t>(row));
      else
        for (int64_t j = 0; j < row; ++j) dst[j] = table[src[j]];
    }
    col += row;
  }
  return Status::ok();
}

}  // namespace

void register_misc_ops(OpRegistry& r) {
  r.add("com.microsoft", "QLinearConcat", [](const OpBuildContext& ctx) -> Result<std::unique_ptr<OpKernel>> {
    if (!ctx.attrs().has("axis")) return invalid_argument("QLinearConcat needs the axis attribute");
    const int64_t axis = ctx.attrs().get_int("axis", 0);
    return std::unique_ptr<OpKernel>(new LambdaKernel([axis](OpRunContext& rc) { return qlinear_concat(rc, axis); }));
  });
  r.add("com.microsoft", "QLinearSigmoid", [](const OpBuildContext&) -> Result<std::unique_ptr<OpKernel>> {
    return std::unique_ptr<OpKernel>(new LambdaKernel([](OpRunContext& rc) {
      return unary_lookup(rc, [](float v) { return 1.0f / (1.0f + std::exp(-v)); });
    }));
  });
  r.add("com.microsoft", "QLinearLeakyRelu", [](const OpBuildContext& ctx) -> Result<std::unique_ptr<OpKernel>> {
    const float alpha = ctx.attrs().get_float("alpha", 0.01f);
    return std::unique_ptr<OpKernel>(new LambdaKernel([alpha](OpRunContext& rc) {
      return unary_lookup(rc, [alpha](float v) { return v >= 0 ? v : v * alpha; });
    }));
  });
}

}  // namespace coreinfer::quant
