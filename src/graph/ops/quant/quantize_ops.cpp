// QuantizeLinear, DequantizeLinear, DynamicQuantizeLinear (ai.onnx).
#include <algorithm>
#include <cmath>
#include <type_traits>

#include "core/cpu_features.h"
#include "graph/ops/quant/quant_ops.h"
#include "graph/ops/quant/quantize_row.h"
#include "graph/ops/quant/quant_util.h"

namespace coreinfer::quant {
namespace {

// Outer x axis x inner decomposition of a per-axis parameter's layout.
struct AxisLayout {
  int64_t outer = 1, channels = 1, inner = 1;
};

Result<AxisLayout> axis_layout(const Shape& shape, int64_t axis, int64_t param_len) {
  AxisLayout l;
  if (param_len <= 1) {
    l.inner = shape_numel(shape);
    return l;
  }
  CI_ASSIGN_OR_RETURN(int64_t a, normalize_axis(axis, static_cast<int64_t>(shape.size())));
  if (shape.empty()) return invalid_argument("per-axis scale needs an input of rank >= 1");
  for (int64_t d = 0; d < a; ++d) l.outer *= shape[d];
  l.channels = shape[a];
  for (size_t d = a + 1; d < shape.size(); ++d) l.inner *= shape[d];
  if (l.channels != param_len)
    return invalid_argument("per-axis scale has " + std::to_string(param_len) + " values but axis " + std::to_string(a) +
                            " of the input " + shape_string(shape) + " has " + std::to_string(l.channels));
  return l;
}

// Input values as float (float fast path; other numeric types converted).
Result<std::vector<float>> float_values(const Tensor& x, std::vector<float>& storage, const float*& ptr) {
  if (x.type() == ElemType::kFloat) {
    ptr = x.data<float>();
    return std::vector<float>{};
  }
  if (x.type() != ElemType::kDouble && x.type() != ElemType::kFloat16 && x.type() != ElemType::kBFloat16 &&
      x.type() != ElemType::kInt32)
    return invalid_argument(std::string("x must be float, float16, double or int32, got ") + elem_type_name(x.type()));
  CI_ASSIGN_OR_RETURN(auto d, x.to_double_vector());
  storage.assign(d.begin(), d.end());
  ptr = storage.data();
  return std::vector<float>{};
}

template <typename T>
void quantize_run(const float* x, T* y, const AxisLayout& l, const std::vector<float>& scales,
                  const std::vector<int32_t>& zps, const OpRunContext& ctx) {
  // 8-bit outputs: the vector row kernel (the same results)
  [[maybe_unused]] const QuantizeRowFn row_fn = best_quantize_row();
  // tasks of whole rows, or of row pieces when the rows are long (a per-tensor scale is one row)
  const int64_t rows = l.outer * l.channels, inner = std::max<int64_t>(l.inner, 1);
  const int64_t pieces = std::max<int64_t>(1, inner / 16384), piece = (inner + pieces - 1) / pieces;
  ctx.parallel_for(rows * pieces, std::max<int64_t>(1, 16384 / inner), [&](int64_t b, int64_t e) {
    for (int64_t task = b; task < e; ++task) {
      const int64_t r = task / pieces, i0 = (task % pieces) * piece, i1 = std::min(l.inner, i0 + piece);
      const int64_t c = r % l.channels;
      const float s = scales[scales.size() == 1 ? 0 : c];
      const int32_t zp = zps[zps.size() == 1 ? 0 : c];
      const float lo = static_cast<float>(std::numeric_limits<T>::lowest() - zp);
      const float hi = static_cast<float>(std::numeric_limits<T>::max() - zp);
      if constexpr (sizeof(T) == 1) {
        row_fn(x + r * l.inner + i0, i1 - i0, s, lo, hi, zp, std::is_signed_v<T>, y + r * l.inner + i0);
      } else {
        const float* __restrict xr = x + r * l.inner;
        T* __restrict yr = y + r * l.inner;
        for (int64_t i = i0; i < i1; ++i) {
          float v = xr[i] / s;
          v = v >= lo ? v : lo;  // NaN goes to the low end, as MLAS's max_ps does
          v = v <= hi ? v : hi;
          yr[i] = static_cast<T>(static_cast<int32_t>((v + 12582912.0f) - 12582912.0f) + zp);
        }
      }
    }
  });
}

}  // namespace

void quantize_row_portable(const float* x, int64_t n, float scale, float lo, float hi, int32_t zp, bool is_signed, void* y) {
  auto run = [&](auto* out) {
    using T = std::remove_pointer_t<decltype(out)>;
    // locals and restrict: stores through T* (a char type) could otherwise alias the bound
    const float* __restrict xr = x;
    T* __restrict yr = out;
    for (int64_t i = 0; i < n; ++i) {
      float v = xr[i] / scale;
      v = v >= lo ? v : lo;  // NaN goes to the low end, as MLAS's max_ps does
      v = v <= hi ? v : hi;
      yr[i] = static_cast<T>(static_cast<int32_t>((v + 12582912.0f) - 12582912.0f) + zp);
    }
  };
  if (is_signed) run(static_cast<int8_t*>(y));
  else run(static_cast<uint8_t*>(y));
}

QuantizeRowFn best_quantize_row() {
#if defined(__x86_64__)
  const CpuFeatures& f = cpu_features();
  if (f.avx512f && f.avx512bw && f.os_zmm) return quantize_row_avx512;
#endif
  return quantize_row_portable;
}

namespace {

Status quantize_linear(OpRunContext& ctx, int64_t axis, int64_t output_dtype) {
  CI_ASSIGN_OR_RETURN(const Tensor* x, required_input(ctx, 0, "x"));
  CI_ASSIGN_OR_RETURN(const Tensor* s, required_input(ctx, 1, "y_scale"));
  const Tensor* zp_t = ctx.input(2);
  ElemType out_type = ElemType::kUint8;
  if (zp_t != nullptr && zp_t->defined()) out_type = zp_t->type();
  else if (output_dtype != 0) out_type = static_cast<ElemType>(output_dtype);
  if (!is_quant_type(out_type))
    return unsupported(std::string("QuantizeLinear output type ") + elem_type_name(out_type) +
                       " is not supported (uint8, int8, uint16, int16)");
  const bool per_axis = s->numel() > 1;
  int64_t axis_len = 0;
  if (per_axis) {
    CI_ASSIGN_OR_RETURN(int64_t a, normalize_axis(axis, x->rank()));
    axis_len = x->shape()[a];
  }
  CI_ASSIGN_OR_RETURN(auto scales, read_scales(*s, "y_scale", axis_len));
  CI_ASSIGN_OR_RETURN(auto zps, read_zero_points(zp_t, out_type, "y_zero_point", axis_len));
  if (zps.size() != 1 && zps.size() != scales.size())
    return invalid_argument("y_zero_point has " + std::to_string(zps.size()) + " values but y_scale has " +
                            std::to_string(scales.size()));
  CI_ASSIGN_OR_RETURN(AxisLayout l, axis_layout(x->shape(), axis, static_cast<int64_t>(scales.size())));
  std::vector<float> storage;
  const float* xv = nullptr;
  CI_RETURN_IF_ERROR(float_values(*x, storage, xv).status());
  CI_ASSIGN_OR_RETURN(Tensor * y, ctx.allocate_output_uninitialized(0, out_type, x->shape()));  // all written
  return dispatch_quant_type(out_type, [&](auto tag) {
    using T = decltype(tag);
    quantize_run<T>(xv, y->data<T>(), l, scales, zps, ctx);
    return Status::ok();
  });
}

Status dequantize_linear(OpRunContext& ctx, int64_t axis) {
  CI_ASSIGN_OR_RETURN(const Tensor* x, required_input(ctx, 0, "x"));
  CI_ASSIGN_OR_RETURN(const Tensor* s, required_input(ctx, 1, "x_scale"));
  if (!is_quant_type(x->type()) && x->type() != ElemType::kInt32)
    return unsupported(std::string("DequantizeLinear input type ") + elem_type_name(x->type()) +
                       " is not supported (uint8, int8, uint16, int16, int32)");
  const bool per_axis = s->numel() > 1;
  int64_t axis_len = 0;
  if (per_axis) {
    CI_ASSIGN_OR_RETURN(int64_t a, normalize_axis(axis, x->rank()));
    axis_len = x->shape()[a];
  }
  CI_ASSIGN_OR_RETURN(auto scales, read_scales(*s, "x_scale", axis_len));
  CI_ASSIGN_OR_RETURN(auto zps, read_zero_points(ctx.input(2), x->type(), "x_zero_point", axis_len));
  if (zps.size() != 1 && zps.size() != scales.size())
    return invalid_argument("x_zero_point has " + std::to_string(zps.size()) + " values but x_scale has " +
                            std::to_string(scales.size()));
  CI_ASSIGN_OR_RETURN(AxisLayout l, axis_layout(x->shape(), axis, static_cast<int64_t>(scales.size())));
  CI_ASSIGN_OR_RETURN(Tensor * y, ctx.allocate_output_uninitialized(0, ElemType::kFloat, x->shape()));  // all written
  float* yv = y->data<float>();
  // tasks of whole rows, or of row pieces when the rows are long (a per-tensor scale is one row)
  const int64_t rows = l.outer * l.channels, inner = std::max<int64_t>(l.inner, 1);
  const int64_t pieces = std::max<int64_t>(1, inner / 16384), piece = (inner + pieces - 1) / pieces;
  auto run = [&](auto tag) {
    using T = decltype(tag);
    // 8/16-bit values less their zero point fit int32 (which converts to float in vectors)
    using Wide = std::conditional_t<std::is_same_v<T, int32_t>, int64_t, int32_t>;
    const T* xv = x->data<T>();
    ctx.parallel_for(rows * pieces, std::max<int64_t>(1, 16384 / inner), [&](int64_t b, int64_t e) {
      for (int64_t task = b; task < e; ++task) {
        const int64_t r = task / pieces, i0 = (task % pieces) * piece, i1 = std::min(l.inner, i0 + piece);
        const int64_t c = r % l.channels;
        const float sc = scales[scales.size() == 1 ? 0 : c];
        const Wide zp = zps[zps.size() == 1 ? 0 : c];
        const T* __restrict xr = xv + r * l.inner;
        float* __restrict yr = yv + r * l.inner;
        for (int64_t i = i0; i < i1; ++i) yr[i] = static_cast<float>(static_cast<Wide>(xr[i]) - zp) * sc;
      }
    });
    return Status::ok();
  };
  if (x->type() == ElemType::kInt32) return run(int32_t{});
  return dispatch_quant_type(x->type(), run);
}

Status dynamic_quantize_linear(OpRunContext& ctx) {
  CI_ASSIGN_OR_RETURN(const Tensor* x, required_input(ctx, 0, "x"));
  if (x->type() != ElemType::kFloat)
    return invalid_argument(std::string("DynamicQuantizeLinear input must be float, got ") + elem_type_name(x->type()));
  const float* xv = x->data<float>();
  float mn = 0.0f, mx = 0.0f;  // the range always includes zero
  for (int64_t i = 0; i < x->numel(); ++i) {
    mn = std::min(mn, xv[i]);
    mx = std::max(mx, xv[i]);
  }
  const float scale = mx == mn ? 1.0f : (mx - mn) / 255.0f;
  const float zp_f = std::min(255.0f, std::max(0.0f, 0.0f - mn / scale));
  const int32_t zp = static_cast<int32_t>(std::nearbyint(zp_f));
  CI_ASSIGN_OR_RETURN(Tensor * y, ctx.allocate_output(0, ElemType::kUint8, x->shape()));
  AxisLayout l;
  l.inner = x->numel();
  quantize_run<uint8_t>(xv, y->data<uint8_t>(), l, {scale}, {zp}, ctx);
  if (ctx.num_outputs() > 1) {
    CI_ASSIGN_OR_RETURN(Tensor * ys, ctx.allocate_output(1, ElemType::kFloat, {}));
    ys->data<float>()[0] = scale;
  }
  if (ctx.num_outputs() > 2) {
    CI_ASSIGN_OR_RETURN(Tensor * yz, ctx.allocate_output(2, ElemType::kUint8, {}));
    yz->data<uint8_t>()[0] = static_cast<uint8_t>(zp);
  }
  return Status::ok();
}

Status check_block_size(const OpBuildContext& ctx) {
  if (ctx.attrs().get_int("block_size", 0) != 0)
    return unsupported("blocked quantisation (block_size != 0) is not supported; use per-tensor or per-axis scales");
  return Status::ok();
}

}  // namespace

void register_quantize_ops(OpRegistry& r) {
  r.add("", "QuantizeLinear", [](const OpBuildContext& ctx) -> Result<std::unique_ptr<OpKernel>> {
    CI_RETURN_IF_ERROR(check_block_size(ctx));
    const int64_t axis = ctx.attrs().get_int("axis", 1);
    const int64_t output_dtype = ctx.attrs().get_int("output_dtype", 0);
    return std::unique_ptr<OpKernel>(
        new LambdaKernel([axis, output_dtype](OpRunContext& rc) { return quantize_linear(rc, axis, output_dtype); }));
  });
  r.add("", "DequantizeLinear", [](const OpBuildContext& ctx) -> Result<std::unique_ptr<OpKernel>> {
    CI_RETURN_IF_ERROR(check_block_size(ctx));
    const int64_t axis = ctx.attrs().get_int("axis", 1);
    return std::unique_ptr<OpKernel>(new LambdaKernel([axis](OpRunContext& rc) { return dequantize_linear(rc, axis); }));
  });
  r.add("", "DynamicQuantizeLinear", [](const OpBuildContext&) -> Result<std::unique_ptr<OpKernel>> {
    return std::unique_ptr<OpKernel>(new LambdaKernel(dynamic_quantize_linear));
  });
}

}  // namespace coreinfer::quant
