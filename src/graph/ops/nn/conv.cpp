// Conv: the packed weights times im2col (or the input itself for pointwise convolutions) over
// all images at once, per group; depthwise convolutions run a direct loop. Constant weights are
// packed once. An optional fourth input (from graph fusion) is added before the activation.
#include <memory>
#include <vector>

#include "graph/ops/nn/depthwise.h"
#include "graph/ops/nn/im2col.h"
#include "graph/ops/nn/nn_common.h"
#include "graph/ops/nn/nn_ops.h"
#include "graph/ops/nn/sgemm.h"
#include "graph/ops/nn/window_geometry.h"
#include "kernels/kernel_table.h"

namespace coreinfer::nn {
namespace {

// z broadcast (numpy rules, one way) to `shape`, or an error when it does not broadcast to it.
Status expand_to(const Tensor& z, const Shape& shape, std::vector<float>& out) {
  const int rank = static_cast<int>(shape.size());
  if (z.rank() > rank)
    return invalid_argument("input Z " + shape_string(z.shape()) + " does not broadcast to the output shape " +
                            shape_string(shape));
  std::vector<int64_t> strides(rank, 0);
  int64_t stride = 1;
  for (int i = 0; i < z.rank(); ++i) {
    const int zi = z.rank() - 1 - i, yi = rank - 1 - i;
    if (z.dim(zi) != shape[yi] && z.dim(zi) != 1)
      return invalid_argument("input Z " + shape_string(z.shape()) + " does not broadcast to the output shape " +
                              shape_string(shape));
    strides[yi] = z.dim(zi) == 1 ? 0 : stride;
    stride *= z.dim(zi);
  }
  int64_t total = 1;
  for (int64_t d : shape) total *= d;
  out.resize(static_cast<size_t>(total));
  const float* zd = z.data<float>();
  std::vector<int64_t> index(rank, 0);
  int64_t src = 0;
  for (int64_t e = 0; e < total; ++e) {
    out[static_cast<size_t>(e)] = zd[src];
    for (int d = rank; d-- > 0;) {  // odometer step over the output index
      src += strides[d];
      if (++index[d] < shape[d]) break;
      src -= strides[d] * shape[d];
      index[d] = 0;
    }
  }
  return Status::ok();
}

class ConvKernel final : public OpKernel {
 public:
  static Result<std::unique_ptr<OpKernel>> create(const OpBuildContext& ctx) {
    auto k = std::unique_ptr<ConvKernel>(new ConvKernel());
    k->window_ = read_window_attrs(ctx.attrs());
    k->window_.ceil_mode = false;
    k->group_ = ctx.attrs().get_int("group", 1);
    if (k->group_ < 1) return invalid_argument("group must be >= 1, got " + std::to_string(k->group_));
    CI_ASSIGN_OR_RETURN(k->act_, fused_activation(ctx));
    k->gemm_ = select_gemm_kernel(ctx.kernels);
    k->im2col_ = select_im2col_packer(ctx.kernels);
    k->depthwise_ = select_depthwise_planes(ctx.kernels);
    if (const Tensor* w = ctx.constant(1)) {
      CI_RETURN_IF_ERROR(k->check_weights(*w));
      k->packed_ = k->pack_weights(*w);
      k->weights_packed_ = true;
    }
    return std::unique_ptr<OpKernel>(std::move(k));
  }

  Status run(OpRunContext& ctx) override {
    CI_ASSIGN_OR_RETURN(const Tensor* x, float_input(ctx, 0, "X"));
    CI_ASSIGN_OR_RETURN(const Tensor* w, float_input(ctx, 1, "W"));
    CI_ASSIGN_OR_RETURN(const Tensor* bias, optional_float_input(ctx, 2, "B"));
    // Input 3 (set by the fuse_residual_adds pass): a tensor shaped like Y added before the activation.
    CI_ASSIGN_OR_RETURN(const Tensor* sum, optional_float_input(ctx, 3, "Z"));
    if (x->rank() < 3)
      return invalid_argument("input X must have rank >= 3 ([N, C, spatial...]), got " + shape_string(x->shape()));
    if (!weights_packed_) CI_RETURN_IF_ERROR(check_weights(*w));
    if (w->rank() != x->rank())
      return invalid_argument("input W " + shape_string(w->shape()) + " must have the rank of X " +
                              shape_string(x->shape()));
    const int64_t batch = x->dim(0), channels = x->dim(1), m = w->dim(0), cg = w->dim(1);
    if (channels != cg * group_)
      return invalid_argument("input X has " + std::to_string(channels) + " channels but W " +
                              shape_string(w->shape()) + " with group " + std::to_string(group_) + " expects " +
                              std::to_string(cg * group_));
    if (bias && (bias->rank() != 1 || bias->dim(0) != m))
      return invalid_argument("input B must have shape [" + std::to_string(m) + "], got " + shape_string(bias->shape()));
    const Shape x_spatial(x->shape().begin() + 2, x->shape().end());
    const Shape w_spatial(w->shape().begin() + 2, w->shape().end());
    if (!window_.kernel_shape.empty() && window_.kernel_shape != w_spatial)
      return invalid_argument("kernel_shape " + shape_string(window_.kernel_shape) + " does not match W " +
                              shape_string(w->shape()));
    CI_ASSIGN_OR_RETURN(const WindowGeometry g, resolve_window(window_, x_spatial, w_spatial));
    Shape y_shape{batch, m};
    for (int64_t d : g.out_spatial()) y_shape.push_back(d);
    // Every element is written by the GEMM or the depthwise plane unless W is empty (bias only).
    CI_ASSIGN_OR_RETURN(Tensor * y, w->numel() > 0 ? ctx.allocate_output_uninitialized(0, ElemType::kFloat, y_shape)
                                                   : ctx.allocate_output(0, ElemType::kFloat, y_shape));

    std::vector<PackedA> runtime_packed;
    const std::vector<PackedA>& packed = weights_packed_ ? packed_ : (runtime_packed = pack_weights(*w));
    std::vector<float> z_expanded;
    const float* zd = nullptr;
    if (sum) {
      if (sum->shape() == y_shape) {
        zd = sum->data<float>();
      } else {
        CI_RETURN_IF_ERROR(expand_to(*sum, y_shape, z_expanded));
        zd = z_expanded.data();
      }
    }
    const float* xd = x->data<float>();
    float* yd = y->data<float>();
    const float* bd = bias ? bias->data<float>() : nullptr;
    const int64_t mg = m / group_, ks = g.kernel_size(), in_size = g.in_size(), out_size = g.out_size();
    if (batch == 0 || out_size == 0 || m == 0) return Status::ok();

    if (cg == 1 && mg == 1) {  // depthwise: bias, Z and the activation in the kernel's pass
      DepthwisePlanes planes;
      planes.x = xd;
      planes.w = w->data<float>();
      planes.bias = bd;
      planes.residual = zd;
      planes.y = yd;
      planes.channels = m;
      planes.act = act_;
      const DepthwisePlanesFn run_planes = depthwise_;
      ctx.parallel_for(batch * m, 1, [&](int64_t begin, int64_t end) { run_planes(g, planes, begin, end); });
      return Status::ok();
    }

    // One GEMM per group over the columns of every image (N = batch * out_size), so the weights
    // are read once per batch and small feature maps still fill whole tiles.
    const int64_t k = cg * ks;
    for (int64_t gi = 0; gi < group_; ++gi) {
      const float* xg = xd + gi * cg * in_size;
      GemmEpilogue epi;
      epi.row_bias = bd ? bd + gi * mg : nullptr;
      epi.residual = zd ? zd + gi * mg * out_size : nullptr;
      epi.act = act_;
      epi.image_cols = out_size;
      epi.image_stride = m * out_size;
      const int nr = gemm_.nr;
      const int64_t image_stride = channels * in_size;
      const Im2colPackFn im2col = im2col_;
      const PackBlockFn packer = [xg, image_stride, &g, nr, im2col](int64_t k0, int64_t kc, int64_t n0, int64_t nc,
                                                                     float* dst) {
        im2col(xg, image_stride, g, nr, k0, kc, n0, nc, dst);
      };
      GemmB src;
      src.packer = &packer;
      sgemm(ctx, gemm_, mg, batch * out_size, k, packed[gi], src, yd + gi * mg * out_size, out_size, epi, &scratch_);
    }
    return Status::ok();
  }

 private:
  ConvKernel() = default;

  Status check_weights(const Tensor& w) const {
    if (w.type() != ElemType::kFloat) return unsupported("input W must be float32");
    if (w.rank() < 3) return invalid_argument("input W must have rank >= 3 ([M, C/group, k...]), got " + shape_string(w.shape()));
    if (w.dim(0) % group_ != 0)
      return invalid_argument("W has " + std::to_string(w.dim(0)) + " output channels, not a multiple of group " +
                              std::to_string(group_));
    return Status::ok();
  }

  std::vector<PackedA> pack_weights(const Tensor& w) const {
    const int64_t mg = w.dim(0) / group_, k = w.numel() / std::max<int64_t>(w.dim(0), 1);
    std::vector<PackedA> out;
    if (w.dim(1) == 1 && mg == 1) return out;  // depthwise reads W directly
    for (int64_t gi = 0; gi < group_; ++gi)
      out.push_back(pack_a(gemm_, mg, k, MatrixView{w.data<float>() + gi * mg * k, k, 1}));
    return out;
  }

  WindowAttrs window_;
  int64_t group_ = 1;
  Activation act_;
  GemmKernel gemm_;
  Im2colPackFn im2col_ = pack_im2col_batched;
  DepthwisePlanesFn depthwise_ = depthwise_planes_generic;
  bool weights_packed_ = false;
  std::vector<PackedA> packed_;
  GemmScratch scratch_;
};

}  // namespace

Result<std::unique_ptr<OpKernel>> make_conv(const OpBuildContext& ctx) { return ConvKernel::create(ctx); }

}  // namespace coreinfer::nn
