// com.microsoft QLinearGlobalAveragePool (int32 sums requantised with x_scale / (y_scale * HW))
// and QLinearAveragePool (dequantise, average in float, quantise), as ONNX Runtime computes them.
#include <memory>

#include "graph/ops/quant/conv_geometry.h"
#include "graph/ops/quant/quant_ops.h"
#include "graph/ops/quant/quant_util.h"

namespace coreinfer::quant {
namespace {

struct UnaryQuant {
  float x_scale = 1, y_scale = 1;
  int32_t x_zero = 0, y_zero = 0;
};

// Inputs X, X_scale, X_zero_point, Y_scale, Y_zero_point (zero points optional).
Result<UnaryQuant> read_unary(const OpRunContext& ctx, const Tensor& x) {
  if (!is_8bit_type(x.type())) return invalid_argument(std::string("X must be uint8 or int8, got ") + elem_type_name(x.type()));
  CI_ASSIGN_OR_RETURN(const Tensor* xs, required_input(ctx, 1, "X_scale"));
  CI_ASSIGN_OR_RETURN(const Tensor* ys, required_input(ctx, 3, "Y_scale"));
  CI_ASSIGN_OR_RETURN(auto vxs, read_scales(*xs, "X_scale", 0));
  CI_ASSIGN_OR_RETURN(auto vys, read_scales(*ys, "Y_scale", 0));
  CI_ASSIGN_OR_RETURN(auto xz, read_zero_points(ctx.input(2), x.type(), "X_zero_point", 0));
  CI_ASSIGN_OR_RETURN(auto yz, read_zero_points(ctx.input(4), x.type(), "Y_zero_point", 0));
  return UnaryQuant{vxs[0], vys[0], xz[0], yz[0]};
}

template <typename T>
T* out_ptr(Tensor* t) { return t->data<T>(); }

Status global_average_pool(OpRunContext& ctx, bool channels_last) {
  CI_ASSIGN_OR_RETURN(const Tensor* x, required_input(ctx, 0, "X"));
  CI_ASSIGN_OR_RETURN(UnaryQuant q, read_unary(ctx, *x));
  if (x->rank() < 3) return invalid_argument("X must have rank >= 3 ([N, C, spatial...]), got " + shape_string(x->shape()));
  const int64_t n = x->dim(0), c = channels_last ? x->dim(-1) : x->dim(1);
  const int64_t image = x->numel() / std::max<int64_t>(1, n * c);
  Shape out = x->shape();
  for (int d = 1; d < x->rank(); ++d)
    if (channels_last ? d != x->rank() - 1 : d != 1) out[d] = 1;
  CI_ASSIGN_OR_RETURN(Tensor * y, ctx.allocate_output(0, x->type(), out));
  if (y->numel() == 0 || image == 0) return Status::ok();
  const float scale = q.x_scale / (q.y_scale * static_cast<float>(image));
  const Requant rq = make_requant(scale, q.y_zero, x->type());
  return dispatch_quant_type(x->type(), [&](auto tag) {
    using T = decltype(tag);
    const T* xv = x->data<T>();
    T* yv = y->data<T>();
    const int32_t bias = -q.x_zero * static_cast<int32_t>(image);
    if (!channels_last) {
      ctx.parallel_for(n * c, 16, [&](int64_t b, int64_t e) {
        for (int64_t i = b; i < e; ++i) {
          int32_t s = bias;
          for (int64_t j = 0; j < image; ++j) s += xv[i * image + j];
          yv[i] = static_cast<T>(requantize(s, rq));
        }
      });
    } else {
      ctx.parallel_for(n, 1, [&](int64_t b, int64_t e) {
        std::vector<int32_t> acc(static_cast<size_t>(c));
        for (int64_t i = b; i < e; ++i) {
          std::fill(acc.begin(), acc.end(), bias);
          for (int64_t j = 0; j < image; ++j)
            for (int64_t ch = 0; ch < c; ++ch) acc[ch] += xv[(i * image + j) * c + ch];
          for (int64_t ch = 0; ch < c; ++ch) yv[i * c + ch] = static_cast<T>(requantize(acc[ch], rq));
        }
      });
    }
    return Status::ok();
  });
}

class QAveragePoolKernel final : public OpKernel {
 public:
  QAveragePoolKernel(WindowAttrs a, bool count_include_pad, bool channels_last)
      : attrs_(std::move(a)), count_include_pad_(count_include_pad), channels_last_(channels_last) {}

  Status run(OpRunContext& ctx) override {
    CI_ASSIGN_OR_RETURN(const Tensor* x, required_input(ctx, 0, "X"));
    CI_ASSIGN_OR_RETURN(UnaryQuant q, read_unary(ctx, *x));
    if (x->rank() < 3 || x->rank() > 4)
      return unsupported("X must be 3-D or 4-D (1-D or 2-D pooling), got " + shape_string(x->shape()));
    const int sp0 = channels_last_ ? 1 : 2;
    std::vector<int64_t> in_sp(x->shape().begin() + sp0, x->shape().begin() + sp0 + (x->rank() - 2));
    if (attrs_.kernel_shape.size() != in_sp.size())
      return invalid_argument("kernel_shape has " + std::to_string(attrs_.kernel_shape.size()) + " values but X " +
                              shape_string(x->shape()) + " has " + std::to_string(in_sp.size()) + " spatial dims");
    CI_ASSIGN_OR_RETURN(Window2d g, window_geometry(attrs_, in_sp, attrs_.kernel_shape));
    const int64_t n = x->dim(0), c = channels_last_ ? x->dim(-1) : x->dim(1);
    Shape out{n};
    if (!channels_last_) out.push_back(c);
    if (x->rank() == 4) out.push_back(g.out_h);
    out.push_back(g.out_w);
    if (channels_last_) out.push_back(c);
    CI_ASSIGN_OR_RETURN(Tensor * y, ctx.allocate_output(0, x->type(), out));
    if (y->numel() == 0) return Status::ok();
    return dispatch_quant_type(x->type(), [&](auto tag) {
      using T = decltype(tag);
      const T* xv = x->data<T>();
      T* yv = y->data<T>();
      // element (image, channel, h, w) offsets for both layouts
      const int64_t cs = channels_last_ ? 1 : g.in_size(), ws = channels_last_ ? c : 1, hs = ws * g.in_w;
      const int64_t ocs = channels_last_ ? 1 : g.out_size(), ows = channels_last_ ? c : 1, ohs = ows * g.out_w;
      const float lo = static_cast<float>(std::numeric_limits<T>::lowest()), hi = static_cast<float>(std::numeric_limits<T>::max());
      ctx.parallel_for(n * c, 1, [&](int64_t b, int64_t e) {
        for (int64_t ic = b; ic < e; ++ic) {
          const int64_t img = ic / c, ch = ic % c;
          const T* xp = xv + img * c * g.in_size() + ch * cs;
          T* yp = yv + img * c * g.out_size() + ch * ocs;
          for (int64_t oh = 0; oh < g.out_h; ++oh) {
            int64_t h0 = oh * g.stride_h - g.pad_t;
            const int64_t h1 = std::min(h0 + g.k_h, g.in_h);
            h0 = std::max<int64_t>(h0, 0);
            for (int64_t ow = 0; ow < g.out_w; ++ow) {
              int64_t w0 = ow * g.stride_w - g.pad_l;
              const int64_t w1 = std::min(w0 + g.k_w, g.in_w);
              w0 = std::max<int64_t>(w0, 0);
              float sum = 0.0f;
              for (int64_t h = h0; h < h1; ++h)
                for (int64_t w = w0; w < w1; ++w)
                  sum += q.x_scale * static_cast<float>(static_cast<int32_t>(xp[h * hs + w * ws]) - q.x_zero);
              const int64_t count = count_include_pad_ ? g.k_h * g.k_w : (h1 - h0) * (w1 - w0);
              sum /= static_cast<float>(count);
              float v = std::nearbyint(sum / q.y_scale + static_cast<float>(q.y_zero));
              v = v < lo ? lo : (v > hi ? hi : v);
              yp[oh * ohs + ow * ows] = static_cast<T>(v);
            }
          }
        }
      });
      return Status::ok();
    });
  }

 private:
  WindowAttrs attrs_;
  bool count_include_pad_, channels_last_;
};

}  // namespace

void register_pool_ops(OpRegistry& r) {
  r.add("com.microsoft", "QLinearGlobalAveragePool", [](const OpBuildContext& ctx) -> Result<std::unique_ptr<OpKernel>> {
    const bool channels_last = ctx.attrs().get_int("channels_last", 0) != 0;
    return std::unique_ptr<OpKernel>(
        new LambdaKernel([channels_last](OpRunContext& rc) { return global_average_pool(rc, channels_last); }));
  });
  r.add("com.microsoft", "QLinearAveragePool", [](const OpBuildContext& ctx) -> Result<std::unique_ptr<OpKernel>> {
    CI_ASSIGN_OR_RETURN(WindowAttrs a, read_window_attrs(ctx.attrs()));
    if (a.kernel_shape.empty()) return invalid_argument("QLinearAveragePool needs the kernel_shape attribute");
    for (int64_t d : a.dilations)
      if (d != 1) return unsupported("QLinearAveragePool with dilations != 1 is not supported");
    const bool cip = ctx.attrs().get_int("count_include_pad", 0) != 0;
    const bool cl = ctx.attrs().get_int("channels_last", 0) != 0;
    return std::unique_ptr<OpKernel>(new QAveragePoolKernel(std::move(a), cip, cl));
  });
}

}  // namespace coreinfer::quant
