// The NCHWc chain's layout changes and pools (see nchwc_ops.h).
#include "graph/ops/nn/conv_nchwc.h"
#include "graph/ops/nn/nchwc_ops.h"
#include "graph/ops/nn/nn_common.h"
#include "graph/ops/nn/window_geometry.h"
#include "kernels/kernel_table.h"

namespace coreinfer::nn {
namespace {

constexpr int B = kNchwcBlock;

// X as [N, C/16, H, W, 16], or an error.
Status check_nchwc(const Tensor& x) {
  if (x.rank() != 5 || x.dim(4) != B)
    return invalid_argument("input X " + shape_string(x.shape()) + " is not NCHWc ([N, C/16, H, W, 16])");
  return Status::ok();
}

Status reorder(OpRunContext& ctx, bool to_blocked) {
  CI_ASSIGN_OR_RETURN(const Tensor* x, float_input(ctx, 0, "X"));
  if (to_blocked && (x->rank() != 4 || x->dim(1) % B != 0))
    return invalid_argument("input X " + shape_string(x->shape()) + " is not [N, C, H, W] with C a multiple of 16");
  if (!to_blocked) CI_RETURN_IF_ERROR(check_nchwc(*x));
  const int64_t n = x->dim(0), blocks = to_blocked ? x->dim(1) / B : x->dim(1), h = x->dim(2), w = x->dim(3);
  const Shape y_shape = to_blocked ? Shape{n, blocks, h, w, B} : Shape{n, blocks * B, h, w};
  CI_ASSIGN_OR_RETURN(Tensor * y, ctx.allocate_output_uninitialized(0, ElemType::kFloat, y_shape));
  const float* xd = x->data<float>();
  float* yd = y->data<float>();
  const int64_t plane = h * w;
  ctx.parallel_for(n * blocks, 1, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) {
      const float* src = xd + i * plane * B;
      float* dst = yd + i * plane * B;
      for (int64_t s = 0; s < plane; ++s)
        for (int l = 0; l < B; ++l) {
          if (to_blocked) {
            dst[s * B + l] = src[l * plane + s];
          } else {
            dst[l * plane + s] = src[s * B + l];
          }
        }
    }
  });
  return Status::ok();
}

Status max_pool(const WindowAttrs& window, NchwcMaxPoolRowsFn rows, OpRunContext& ctx) {
  CI_ASSIGN_OR_RETURN(const Tensor* x, float_input(ctx, 0, "X"));
  CI_RETURN_IF_ERROR(check_nchwc(*x));
  CI_ASSIGN_OR_RETURN(const WindowGeometry g, resolve_window(window, {x->dim(2), x->dim(3)}, window.kernel_shape));
  for (int d = 1; d < 3; ++d)  // as MaxPool: a window wholly in the padding has no meaning
    if (g.pad_begin[d] >= (g.kernel[d] - 1) * g.dilation[d] + 1 || g.pad_end[d] >= (g.kernel[d] - 1) * g.dilation[d] + 1)
      return invalid_argument("pads " + shape_string(window.pads) + " must be smaller than the window (kernel " +
                              shape_string(window.kernel_shape) + ")");
  const int64_t OH = g.out[1], OW = g.out[2];
  CI_ASSIGN_OR_RETURN(Tensor * y, ctx.allocate_output_uninitialized(0, ElemType::kFloat,
                                                                     {x->dim(0), x->dim(1), OH, OW, B}));
  const float* xd = x->data<float>();
  float* yd = y->data<float>();
  ctx.parallel_for(x->dim(0) * x->dim(1) * OH, 1, [&](int64_t begin, int64_t end) { rows(g, xd, yd, begin, end); });
  return Status::ok();
}

Status global_average_pool(OpRunContext& ctx) {
  CI_ASSIGN_OR_RETURN(const Tensor* x, float_input(ctx, 0, "X"));
  CI_RETURN_IF_ERROR(check_nchwc(*x));
  const int64_t plane = x->dim(2) * x->dim(3);
  CI_ASSIGN_OR_RETURN(Tensor * y, ctx.allocate_output_uninitialized(0, ElemType::kFloat,
                                                                     {x->dim(0), x->dim(1) * B, 1, 1}));
  const float* xd = x->data<float>();
  float* yd = y->data<float>();
  ctx.parallel_for(x->dim(0) * x->dim(1), 1, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) {
      float sum[B] = {};
      for (int64_t s = 0; s < plane; ++s)
        for (int l = 0; l < B; ++l) sum[l] += xd[(i * plane + s) * B + l];
      for (int l = 0; l < B; ++l) yd[i * B + l] = plane > 0 ? sum[l] / static_cast<float>(plane) : 0.0f;
    }
  });
  return Status::ok();
}

}  // namespace

Result<std::unique_ptr<OpKernel>> make_reorder_to_nchwc(const OpBuildContext&) {
  return make_kernel([](OpRunContext& c) { return reorder(c, true); });
}
Result<std::unique_ptr<OpKernel>> make_reorder_from_nchwc(const OpBuildContext&) {
  return make_kernel([](OpRunContext& c) { return reorder(c, false); });
}
Result<std::unique_ptr<OpKernel>> make_nchwc_max_pool(const OpBuildContext& ctx) {
  WindowAttrs window = read_window_attrs(ctx.attrs());
  if (window.kernel_shape.size() != 2) return invalid_argument("NchwcMaxPool needs a 2-D kernel_shape");
  NchwcMaxPoolRowsFn rows = nchwc_max_pool_rows;
#if defined(__x86_64__)
  if (kernels::has_avx512(ctx.kernels.isa)) rows = nchwc_max_pool_rows_avx512;
#endif
  return make_kernel([window, rows](OpRunContext& c) { return max_pool(window, rows, c); });
}
Result<std::unique_ptr<OpKernel>> make_nchwc_global_average_pool(const OpBuildContext&) {
  return make_kernel([](OpRunContext& c) { return global_average_pool(c); });
}

}  // namespace coreinfer::nn
