// coreinfer::NchwcConv (written by the use_nchwc_fp32 pass): Conv on the blocked layout.
// Inputs X, W (constant, [M, C, kh, kw], M a multiple of 16), optional B and Z (laid out like Y,
// added before the activation); Conv's window attributes, the fused activation, and
// nchw_input = 1 when X is NCHW (the chain's first convolution) rather than NCHWc. Y is NCHWc.
#include <memory>

#include "graph/ops/nn/conv_nchwc.h"
#include "graph/ops/nn/nchwc_ops.h"
#include "graph/ops/nn/nn_common.h"

namespace coreinfer::nn {
namespace {

class NchwcConvKernel final : public OpKernel {
 public:
  static Result<std::unique_ptr<OpKernel>> create(const OpBuildContext& ctx) {
    auto k = std::unique_ptr<NchwcConvKernel>(new NchwcConvKernel());
    k->window_ = read_window_attrs(ctx.attrs());
    k->window_.ceil_mode = false;
    if (ctx.attrs().get_int("group", 1) != 1) return unsupported("NchwcConv supports group = 1 only");
    k->nchw_input_ = ctx.attrs().get_int("nchw_input", 0) != 0;
    CI_ASSIGN_OR_RETURN(k->act_, fused_activation(ctx));
    const Tensor* w = ctx.constant(1);
    if (w == nullptr || w->type() != ElemType::kFloat || w->rank() != 4)
      return invalid_argument("NchwcConv needs constant float32 weights [M, C, kh, kw]");
    const int64_t m = w->dim(0), c = w->dim(1);
    if (m % kNchwcBlock != 0 || (!k->nchw_input_ && c % kNchwcBlock != 0))
      return invalid_argument("NchwcConv weights " + shape_string(w->shape()) + " need output (and, for NCHWc " +
                              "input, input) channels in multiples of 16");
    k->kernel_ = {w->dim(2), w->dim(3)};
    if (!k->window_.kernel_shape.empty() && k->window_.kernel_shape != k->kernel_)
      return invalid_argument("kernel_shape " + shape_string(k->window_.kernel_shape) + " does not match W " +
                              shape_string(w->shape()));
    k->weights_ = pack_nchwc_weights(w->data<float>(), m, c, w->dim(2) * w->dim(3), k->nchw_input_);
    k->tile_ = select_nchwc_tile(ctx.kernels);
    return std::unique_ptr<OpKernel>(std::move(k));
  }

  Status run(OpRunContext& ctx) override {
    CI_ASSIGN_OR_RETURN(const Tensor* x, float_input(ctx, 0, "X"));
    CI_ASSIGN_OR_RETURN(const Tensor* bias, optional_float_input(ctx, 2, "B"));
    CI_ASSIGN_OR_RETURN(const Tensor* z, optional_float_input(ctx, 3, "Z"));
    const int64_t c = weights_.in_channels, m = weights_.out_channels;
    const bool ok = nchw_input_ ? x->rank() == 4 && x->dim(1) == c
                                : x->rank() == 5 && x->dim(1) * kNchwcBlock == c && x->dim(4) == kNchwcBlock;
    if (!ok)
      return invalid_argument("input X " + shape_string(x->shape()) + " is not " +
                              (nchw_input_ ? "[N, " + std::to_string(c) + ", H, W]"
                                           : "[N, " + std::to_string(c / kNchwcBlock) + ", H, W, 16]"));
    if (bias && bias->numel() != m)
      return invalid_argument("input B must have " + std::to_string(m) + " values, got " + shape_string(bias->shape()));
    NchwcConvArgs a;
    CI_ASSIGN_OR_RETURN(a.geometry, resolve_window(window_, {x->dim(2), x->dim(3)}, kernel_));
    const Shape y_shape{x->dim(0), m / kNchwcBlock, a.geometry.out[1], a.geometry.out[2], kNchwcBlock};
    if (z && z->shape() != y_shape)
      return invalid_argument("input Z " + shape_string(z->shape()) + " must have Y's shape " + shape_string(y_shape));
    CI_ASSIGN_OR_RETURN(Tensor * y, ctx.allocate_output_uninitialized(0, ElemType::kFloat, y_shape));
    a.x = x->data<float>();
    a.y = y->data<float>();
    a.bias = bias ? bias->data<float>() : nullptr;
    a.residual = z ? z->data<float>() : nullptr;
    a.batch = x->dim(0);
    a.act = act_;
    run_nchwc_conv(ctx, tile_, weights_, a);
    return Status::ok();
  }

 private:
  NchwcConvKernel() = default;
  WindowAttrs window_;
  bool nchw_input_ = false;
  Activation act_;
  std::vector<int64_t> kernel_;
  NchwcWeights weights_;
  NchwcTileFn tile_ = nchwc_tile_generic;
};

}  // namespace

Result<std::unique_ptr<OpKernel>> make_nchwc_conv(const OpBuildContext& ctx) { return NchwcConvKernel::create(ctx); }

}  // namespace coreinfer::nn
