// ConvTranspose: per image and group, columns = Wᵀ · X (a GEMM), then col2im scatters each
// column entry to its output position; bias and the fused activation at the end.
#include <algorithm>
#include <memory>
#include <vector>

#include "graph/ops/nn/nn_common.h"
#include "graph/ops/nn/nn_ops.h"
#include "graph/ops/nn/sgemm.h"
#include "graph/ops/nn/window_geometry.h"

namespace coreinfer::nn {
namespace {

struct TransposeAttrs {
  WindowAttrs window;
  std::vector<int64_t> output_padding, output_shape;
  int64_t group = 1;
};

// Geometry with `in` = the ConvTranspose input (the convolution's output) and `out` = its output.
Result<WindowGeometry> transpose_geometry(const TransposeAttrs& a, const Shape& x_spatial, const Shape& k_spatial) {
  const int nd = static_cast<int>(x_spatial.size());
  if (nd < 1 || nd > kMaxSpatial) return unsupported("only 1, 2 or 3 spatial dimensions are supported");
  const auto len_ok = [&](const std::vector<int64_t>& v, size_t n) { return v.empty() || v.size() == n; };
  if (!len_ok(a.window.strides, nd) || !len_ok(a.window.dilations, nd) || !len_ok(a.window.pads, 2 * nd) ||
      !len_ok(a.output_padding, nd))
    return invalid_argument("strides, dilations, output_padding need one entry and pads two per spatial dimension (" +
                            std::to_string(nd) + ")");
  std::vector<int64_t> out_shape = a.output_shape;
  if (out_shape.size() == static_cast<size_t>(nd + 2)) out_shape.erase(out_shape.begin(), out_shape.begin() + 2);
  if (!out_shape.empty() && out_shape.size() != static_cast<size_t>(nd))
    return invalid_argument("output_shape " + shape_string(a.output_shape) + " must have one entry per spatial dimension");
  WindowGeometry g;
  g.spatial = nd;
  const int off = kMaxSpatial - nd;
  for (int d = 0; d < nd; ++d) {
    const int o = off + d;
    g.in[o] = x_spatial[d];
    g.kernel[o] = k_spatial[d];
    g.stride[o] = a.window.strides.empty() ? 1 : a.window.strides[d];
    g.dilation[o] = a.window.dilations.empty() ? 1 : a.window.dilations[d];
    const int64_t opad = a.output_padding.empty() ? 0 : a.output_padding[d];
    if (g.stride[o] < 1 || g.dilation[o] < 1 || opad < 0 || g.kernel[o] < 1 || g.stride[o] > (1 << 20) ||
        g.dilation[o] > (1 << 20) || opad > (1 << 20))
      return invalid_argument("strides, dilations and kernel must be positive, output_padding non-negative");
    const int64_t span = (g.kernel[o] - 1) * g.dilation[o] + 1;
    const int64_t full = g.stride[o] * (g.in[o] - 1) + opad + span;
    const bool same = a.window.auto_pad == "SAME_UPPER" || a.window.auto_pad == "SAME_LOWER";
    if (!out_shape.empty() || same) {
      g.out[o] = !out_shape.empty() ? out_shape[d] : g.in[o] * g.stride[o];
      const int64_t total = full - g.out[o];
      if (total < 0 && out_shape.empty()) return invalid_argument("output would need negative padding");
      const int64_t half = total >= 0 ? total / 2 : -((-total + 1) / 2);  // floor, as the spec's reference
      if (a.window.auto_pad == "SAME_UPPER") {
        g.pad_begin[o] = half;
        g.pad_end[o] = total - half;
      } else {
        g.pad_begin[o] = total - half;
        g.pad_end[o] = half;
      }
    } else {
      if (a.window.auto_pad == "NOTSET" && !a.window.pads.empty()) {
        g.pad_begin[o] = a.window.pads[d];
        g.pad_end[o] = a.window.pads[d + nd];
      }
      g.out[o] = full - g.pad_begin[o] - g.pad_end[o];
    }
    if (g.out[o] < 1 || g.out[o] > (int64_t{1} << 24))
      return invalid_argument("the output would have spatial size " + std::to_string(g.out[o]) + " in dimension " +
                              std::to_string(d));
  }
  return g;
}

class ConvTransposeKernel final : public OpKernel {
 public:
  static Result<std::unique_ptr<OpKernel>> create(const OpBuildContext& ctx) {
    auto k = std::unique_ptr<ConvTransposeKernel>(new ConvTransposeKernel());
    k->attrs_.window = read_window_attrs(ctx.attrs());
    k->attrs_.output_padding = ctx.attrs().get_ints("output_padding");
    k->attrs_.output_shape = ctx.attrs().get_ints("output_shape");
    k->attrs_.group = ctx.attrs().get_int("group", 1);
    if (k->attrs_.group < 1) return invalid_argument("group must be >= 1");
    CI_ASSIGN_OR_RETURN(k->act_, fused_activation(ctx));
    k->gemm_ = select_gemm_kernel(ctx.kernels);
    return std::unique_ptr<OpKernel>(std::move(k));
  }

  Status run(OpRunContext& ctx) override {
    CI_ASSIGN_OR_RETURN(const Tensor* x, float_input(ctx, 0, "X"));
    CI_ASSIGN_OR_RETURN(const Tensor* w, float_input(ctx, 1, "W"));
    CI_ASSIGN_OR_RETURN(const Tensor* bias, optional_float_input(ctx, 2, "B"));
    const int64_t group = attrs_.group;
    if (x->rank() < 3 || w->rank() != x->rank())
      return invalid_argument("X " + shape_string(x->shape()) + " must have rank >= 3 and W " +
                              shape_string(w->shape()) + " the same rank");
    const int64_t batch = x->dim(0), channels = x->dim(1);
    if (w->dim(0) != channels || channels % group != 0)
      return invalid_argument("W " + shape_string(w->shape()) + " must have X's " + std::to_string(channels) +
                              " channels first, a multiple of group " + std::to_string(group));
    const int64_t cg = channels / group, mg = w->dim(1), m = mg * group;
    if (bias && bias->numel() != m)
      return invalid_argument("input B must have " + std::to_string(m) + " values, got " + shape_string(bias->shape()));
    const Shape xs(x->shape().begin() + 2, x->shape().end()), ks(w->shape().begin() + 2, w->shape().end());
    if (!attrs_.window.kernel_shape.empty() && attrs_.window.kernel_shape != ks)
      return invalid_argument("kernel_shape does not match W " + shape_string(w->shape()));
    CI_ASSIGN_OR_RETURN(const WindowGeometry g, transpose_geometry(attrs_, xs, ks));
    Shape y_shape{batch, m};
    for (int64_t d : g.out_spatial()) y_shape.push_back(d);
    CI_ASSIGN_OR_RETURN(Tensor * y, ctx.allocate_output(0, ElemType::kFloat, y_shape));
    const int64_t in_size = g.in_size(), out_size = g.out_size(), ksz = g.kernel_size(), rows = mg * ksz;
    if (batch == 0 || m == 0) return Status::ok();
    const float* xd = x->data<float>();
    const float* wd = w->data<float>();
    float* yd = y->data<float>();
    if (rows * in_size > kMaxTensorBytes / static_cast<int64_t>(sizeof(float)))
      return out_of_range("the column buffer (" + std::to_string(rows) + " x " + std::to_string(in_size) +
                          " floats) is larger than the tensor size limit");
    std::vector<float>& cols = cols_;
    if (cols.size() < static_cast<size_t>(rows * in_size)) cols.resize(static_cast<size_t>(rows * in_size));
    for (int64_t gi = 0; gi < group; ++gi) {
      // A = W_gᵀ: rows (m, kernel offset), columns input channels of the group.
      pack_a_into(scratch_.a, gemm_, rows, cg, MatrixView{wd + gi * cg * rows, 1, rows});
      const PackedA& pa = scratch_.a;
      for (int64_t b = 0; b < batch; ++b) {
        GemmB src;
        src.view = MatrixView{xd + (b * channels + gi * cg) * in_size, in_size, 1};
        sgemm(ctx, gemm_, rows, in_size, cg, pa, src, cols.data(), in_size, GemmEpilogue{}, &scratch_);
        float* yg = yd + (b * m + gi * mg) * out_size;
        ctx.parallel_for(mg, 1, [&](int64_t begin, int64_t end) {
          for (int64_t oc = begin; oc < end; ++oc) col2im(g, cols.data() + oc * ksz * in_size, yg + oc * out_size);
        });
      }
    }
    const float* bd = bias ? bias->data<float>() : nullptr;
    ctx.parallel_for(batch * m, 1, [&](int64_t begin, int64_t end) {
      for (int64_t i = begin; i < end; ++i) {
        float* p = yd + i * out_size;
        if (bd)
          for (int64_t j = 0; j < out_size; ++j) p[j] += bd[i % m];
        apply_activation(act_, p, out_size);
      }
    });
    return Status::ok();
  }

 private:
  ConvTransposeKernel() = default;

  // Adds the ksz x in_size columns of one output channel into its output plane.
  static void col2im(const WindowGeometry& g, const float* col, float* y) {
    const int64_t in_size = g.in_size();
    int64_t r = 0;
    for (int64_t kd = 0; kd < g.kernel[0]; ++kd)
      for (int64_t kh = 0; kh < g.kernel[1]; ++kh)
        for (int64_t kw = 0; kw < g.kernel[2]; ++kw, ++r) {
          const float* c = col + r * in_size;
          for (int64_t id = 0; id < g.in[0]; ++id) {
            const int64_t od = id * g.stride[0] - g.pad_begin[0] + kd * g.dilation[0];
            if (od < 0 || od >= g.out[0]) continue;
            for (int64_t ih = 0; ih < g.in[1]; ++ih) {
              const int64_t oh = ih * g.stride[1] - g.pad_begin[1] + kh * g.dilation[1];
              if (oh < 0 || oh >= g.out[1]) continue;
              const float* crow = c + (id * g.in[1] + ih) * g.in[2];
              float* yrow = y + (od * g.out[1] + oh) * g.out[2];
              for (int64_t iw = 0; iw < g.in[2]; ++iw) {
                const int64_t ow = iw * g.stride[2] - g.pad_begin[2] + kw * g.dilation[2];
                if (ow >= 0 && ow < g.out[2]) yrow[ow] += crow[iw];
              }
            }
          }
        }
  }

  TransposeAttrs attrs_;
  Activation act_;
  GemmKernel gemm_;
  GemmScratch scratch_;
  std::vector<float> cols_;
};

}  // namespace

Result<std::unique_ptr<OpKernel>> make_conv_transpose(const OpBuildContext& ctx) {
  return ConvTransposeKernel::create(ctx);
}

}  // namespace coreinfer::nn
