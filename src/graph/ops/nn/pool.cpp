// MaxPool, AveragePool, LpPool and the global pools: one plane (image, channel) per task,
// each output a walk over the window's taps inside the input. 1-D/2-D MaxPool without Indices
// (the ResNet stem) takes a row-vectorised fast path with the same tap order and results.
#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>

#include "graph/ops/nn/max_pool_2d.h"
#include "graph/ops/nn/nn_common.h"
#include "graph/ops/nn/nn_ops.h"
#include "graph/ops/nn/window_geometry.h"

namespace coreinfer::nn {
namespace {

enum class PoolKind { kMax, kAverage, kLp };

struct PoolAttrs {
  PoolKind kind = PoolKind::kMax;
  WindowAttrs window;
  bool count_include_pad = false;
  int64_t storage_order = 0;
  float p = 2;
  MaxPoolPlaneFn max_plane = max_pool_plane_2d;  // the 2-D fast path, chosen for the ISA
};

Result<WindowGeometry> pool_geometry(const PoolAttrs& pa, const Tensor& x) {
  if (x.rank() < 3)
    return invalid_argument("input X must have rank >= 3 ([N, C, spatial...]), got " + shape_string(x.shape()));
  if (pa.window.kernel_shape.empty()) return invalid_argument("attribute kernel_shape is required");
  const Shape spatial(x.shape().begin() + 2, x.shape().end());
  CI_ASSIGN_OR_RETURN(WindowGeometry g, resolve_window(pa.window, spatial, pa.window.kernel_shape));
  // A window entirely inside the padding has no meaning (and would make the tap loops unbounded).
  for (int d = 0; d < kMaxSpatial; ++d)
    if (g.pad_begin[d] >= (g.kernel[d] - 1) * g.dilation[d] + 1 || g.pad_end[d] >= (g.kernel[d] - 1) * g.dilation[d] + 1)
      return invalid_argument("pads " + shape_string(pa.window.pads) + " must be smaller than the window (kernel " +
                              shape_string(pa.window.kernel_shape) + ")");
  return g;
}

// The flat offset of input position (d, h, w) within its plane, for the Indices output.
int64_t index_in_plane(const WindowGeometry& g, int64_t d, int64_t h, int64_t w, bool column_major) {
  if (!column_major) return (d * g.in[1] + h) * g.in[2] + w;
  // Column-major over the model's spatial dims: the first dim varies fastest.
  if (g.spatial == 1) return w;
  if (g.spatial == 2) return h + w * g.in[1];
  return d + h * g.in[0] + w * g.in[0] * g.in[1];
}

// The first tap k (of a window starting at `base` with dilation d) at or after position lo.
inline int64_t tap_begin(int64_t base, int64_t d, int64_t lo) {
  return base >= lo ? 0 : (lo - base + d - 1) / d;
}
// One past the last tap k < kernel before position hi.
inline int64_t tap_end(int64_t base, int64_t d, int64_t hi, int64_t kernel) {
  return hi <= base ? 0 : std::min(kernel, (hi - base + d - 1) / d);
}

// The fast path serves MaxPool without Indices over 1-D/2-D windows with dilation 1.
bool max_pool_2d_applies(const PoolAttrs& pa, const WindowGeometry& g, bool want_indices) {
  return pa.kind == PoolKind::kMax && !want_indices && g.spatial <= 2 && g.kernel[0] == 1 && g.in[0] == 1 &&
         g.out[0] == 1 && g.dilation[1] == 1 && g.dilation[2] == 1;
}

Status run_pool_f32(const PoolAttrs& pa, OpRunContext& ctx) {
  CI_ASSIGN_OR_RETURN(const Tensor* x, float_input(ctx, 0, "X"));
  CI_ASSIGN_OR_RETURN(const WindowGeometry g, pool_geometry(pa, *x));
  Shape y_shape{x->dim(0), x->dim(1)};
  for (int64_t d : g.out_spatial()) y_shape.push_back(d);
  if (max_pool_2d_applies(pa, g, ctx.num_outputs() > 1)) {
    CI_ASSIGN_OR_RETURN(Tensor * y, ctx.allocate_output_uninitialized(0, ElemType::kFloat, y_shape));
    const int64_t in_size = g.in_size(), out_size = g.out_size();
    const float* xd = x->data<float>();
    float* yd = y->data<float>();
    ctx.parallel_for(x->dim(0) * x->dim(1), 1, [&](int64_t begin, int64_t end) {
      for (int64_t plane = begin; plane < end; ++plane) pa.max_plane(g, xd + plane * in_size, yd + plane * out_size);
    });
    return Status::ok();
  }
  CI_ASSIGN_OR_RETURN(Tensor * y, ctx.allocate_output(0, ElemType::kFloat, y_shape));
  int64_t* indices = nullptr;
  if (pa.kind == PoolKind::kMax && ctx.num_outputs() > 1) {
    CI_ASSIGN_OR_RETURN(Tensor * ind, ctx.allocate_output(1, ElemType::kInt64, y_shape));
    indices = ind->data<int64_t>();
  }
  const int64_t planes = x->dim(0) * x->dim(1), in_size = g.in_size(), out_size = g.out_size();
  const float* xd = x->data<float>();
  float* yd = y->data<float>();
  ctx.parallel_for(planes, 1, [&](int64_t begin, int64_t end) {
    for (int64_t plane = begin; plane < end; ++plane) {
      const float* xp = xd + plane * in_size;
      float* yp = yd + plane * out_size;
      int64_t o = 0;
      for (int64_t od = 0; od < g.out[0]; ++od)
        for (int64_t oh = 0; oh < g.out[1]; ++oh)
          for (int64_t ow = 0; ow < g.out[2]; ++ow, ++o) {
            const int64_t d0 = od * g.stride[0] - g.pad_begin[0], h0 = oh * g.stride[1] - g.pad_begin[1],
                          w0 = ow * g.stride[2] - g.pad_begin[2];
            float best = -std::numeric_limits<float>::infinity();
            int64_t best_at = -1;
            double sum = 0;
            // Taps inside the input, and (for count_include_pad) inside the padded input.
            int64_t lo[3], hi[3], padded = 1;
            const int64_t base[3] = {d0, h0, w0};
            for (int d = 0; d < 3; ++d) {
              lo[d] = tap_begin(base[d], g.dilation[d], 0);
              hi[d] = tap_end(base[d], g.dilation[d], g.in[d], g.kernel[d]);
              padded *= std::max<int64_t>(0, tap_end(base[d], g.dilation[d], g.in[d] + g.pad_end[d], g.kernel[d]) -
                                                 tap_begin(base[d], g.dilation[d], -g.pad_begin[d]));
            }
            const int64_t valid = std::max<int64_t>(0, hi[0] - lo[0]) * std::max<int64_t>(0, hi[1] - lo[1]) *
                                  std::max<int64_t>(0, hi[2] - lo[2]);
            for (int64_t kd = lo[0]; kd < hi[0]; ++kd) {
              const int64_t id = d0 + kd * g.dilation[0];
              for (int64_t kh = lo[1]; kh < hi[1]; ++kh) {
                const int64_t ih = h0 + kh * g.dilation[1];
                const float* row = xp + (id * g.in[1] + ih) * g.in[2];
                if (pa.kind == PoolKind::kMax) {
                  for (int64_t kw = lo[2]; kw < hi[2]; ++kw) {
                    const int64_t iw = w0 + kw * g.dilation[2];
                    if (row[iw] > best || best_at < 0) {
                      best = row[iw];
                      best_at = index_in_plane(g, id, ih, iw, pa.storage_order == 1);
                    }
                  }
                } else if (pa.kind == PoolKind::kAverage) {
                  for (int64_t kw = lo[2]; kw < hi[2]; ++kw) sum += row[w0 + kw * g.dilation[2]];
                } else {
                  for (int64_t kw = lo[2]; kw < hi[2]; ++kw)
                    sum += std::pow(std::fabs(static_cast<double>(row[w0 + kw * g.dilation[2]])),
                                    static_cast<double>(pa.p));
                }
              }
            }
            if (pa.kind == PoolKind::kMax) {
              yp[o] = best;
              if (indices) indices[plane * out_size + o] = best_at < 0 ? -1 : plane * in_size + best_at;
            } else if (pa.kind == PoolKind::kAverage) {
              const int64_t count = pa.count_include_pad ? padded : valid;
              yp[o] = count > 0 ? static_cast<float>(sum / static_cast<double>(count)) : 0.0f;
            } else {
              yp[o] = static_cast<float>(std::pow(sum, 1.0 / pa.p));
            }
          }
    }
  });
  return Status::ok();
}

// MaxPool on 8-bit integers (opset 12): exact through float.
template <typename T>
Status run_max_pool_int8(const PoolAttrs& pa, OpRunContext& ctx) {
  const Tensor* x = ctx.input(0);
  Tensor xf = Tensor::allocate(ElemType::kFloat, x->shape()).value();
  for (int64_t i = 0; i < x->numel(); ++i) xf.data<float>()[i] = x->data<T>()[i];
  const Tensor* ins[1] = {&xf};
  OpRunContext fctx{ins, ctx.outputs, ctx.pool, ctx.kernels};
  CI_RETURN_IF_ERROR(run_pool_f32(pa, fctx));
  const Tensor yf = ctx.outputs[0];
  CI_ASSIGN_OR_RETURN(Tensor * y, ctx.allocate_output(0, x->type(), yf.shape()));
  for (int64_t i = 0; i < yf.numel(); ++i) y->data<T>()[i] = static_cast<T>(yf.data<float>()[i]);
  return Status::ok();
}

Status run_pool(const PoolAttrs& pa, OpRunContext& ctx) {
  const Tensor* x = ctx.input(0);
  if (x && pa.kind == PoolKind::kMax && x->type() == ElemType::kUint8) return run_max_pool_int8<uint8_t>(pa, ctx);
  if (x && pa.kind == PoolKind::kMax && x->type() == ElemType::kInt8) return run_max_pool_int8<int8_t>(pa, ctx);
  return run_pool_f32(pa, ctx);
}

Result<std::unique_ptr<OpKernel>> make_pool(const OpBuildContext& ctx, PoolKind kind) {
  PoolAttrs pa;
  pa.kind = kind;
  pa.window = read_window_attrs(ctx.attrs());
  if (kind == PoolKind::kLp) pa.window.ceil_mode = false;
  if (kind != PoolKind::kMax) pa.window.dilations = ctx.attrs().get_ints("dilations");
  pa.count_include_pad = ctx.attrs().get_int("count_include_pad", 0) != 0;
  pa.storage_order = ctx.attrs().get_int("storage_order", 0);
  pa.p = static_cast<float>(ctx.attrs().get_int("p", 2));
  pa.max_plane = select_max_pool_plane(ctx.kernels);
  if (pa.window.kernel_shape.empty()) return invalid_argument("attribute kernel_shape is required");
  if (kind == PoolKind::kLp && pa.p <= 0) return invalid_argument("attribute p must be positive");
  return make_kernel([pa](OpRunContext& ctx) { return run_pool(pa, ctx); });
}

Status run_global_pool(PoolKind kind, float p, OpRunContext& ctx) {
  CI_ASSIGN_OR_RETURN(const Tensor* x, float_input(ctx, 0, "X"));
  if (x->rank() < 3)
    return invalid_argument("input X must have rank >= 3 ([N, C, spatial...]), got " + shape_string(x->shape()));
  Shape y_shape(x->shape().begin(), x->shape().begin() + 2);
  int64_t size = 1;
  for (int d = 2; d < x->rank(); ++d) {
    y_shape.push_back(1);
    size *= x->dim(d);
  }
  CI_ASSIGN_OR_RETURN(Tensor * y, ctx.allocate_output(0, ElemType::kFloat, y_shape));
  const int64_t planes = x->dim(0) * x->dim(1);
  const float* xd = x->data<float>();
  float* yd = y->data<float>();
  // A thread's share below ~64K values (a few microseconds) costs more in the handoff than it saves.
  constexpr int64_t kMinValuesPerThread = int64_t{1} << 16;
  const int64_t grain = std::max<int64_t>(16, kMinValuesPerThread / std::max<int64_t>(size, 1));
  ctx.parallel_for(planes, grain, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) {
      const float* xp = xd + i * size;
      if (kind == PoolKind::kMax) {
        float best = -std::numeric_limits<float>::infinity();
        for (int64_t j = 0; j < size; ++j) best = xp[j] > best ? xp[j] : best;
        yd[i] = best;
      } else if (kind == PoolKind::kAverage) {
        float acc[8] = {};
        int64_t j = 0;
        for (; j + 8 <= size; j += 8)
          for (int l = 0; l < 8; ++l) acc[l] += xp[j + l];
        double sum = 0;
        for (int l = 0; l < 8; ++l) sum += acc[l];
        for (; j < size; ++j) sum += xp[j];
        yd[i] = size > 0 ? static_cast<float>(sum / static_cast<double>(size)) : 0.0f;
      } else {
        double sum = 0;
        for (int64_t j = 0; j < size; ++j) sum += std::pow(std::fabs(static_cast<double>(xp[j])), static_cast<double>(p));
        yd[i] = static_cast<float>(std::pow(sum, 1.0 / p));
      }
    }
  });
  return Status::ok();
}

}  // namespace

Result<std::unique_ptr<OpKernel>> make_max_pool(const OpBuildContext& ctx) {
  const int64_t so = ctx.attrs().get_int("storage_order", 0);
  if (so != 0 && so != 1) return invalid_argument("storage_order must be 0 or 1, got " + std::to_string(so));
  return make_pool(ctx, PoolKind::kMax);
}
Result<std::unique_ptr<OpKernel>> make_average_pool(const OpBuildContext& ctx) { return make_pool(ctx, PoolKind::kAverage); }
Result<std::unique_ptr<OpKernel>> make_lp_pool(const OpBuildContext& ctx) { return make_pool(ctx, PoolKind::kLp); }

Result<std::unique_ptr<OpKernel>> make_global_average_pool(const OpBuildContext& ctx) {
  return make_kernel([](OpRunContext& c) { return run_global_pool(PoolKind::kAverage, 0, c); });
}
Result<std::unique_ptr<OpKernel>> make_global_max_pool(const OpBuildContext& ctx) {
  return make_kernel([](OpRunContext& c) { return run_global_pool(PoolKind::kMax, 0, c); });
}
Result<std::unique_ptr<OpKernel>> make_global_lp_pool(const OpBuildContext& ctx) {
  const float p = static_cast<float>(ctx.attrs().get_int("p", 2));
  if (p <= 0) return invalid_argument("attribute p must be positive");
  return make_kernel([p](OpRunContext& c) { return run_global_pool(PoolKind::kLp, p, c); });
}

}  // namespace coreinfer::nn
