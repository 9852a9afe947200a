// Gemm: Y = alpha * A' · B' + beta * C (A' = A or Aᵀ, B' = B or Bᵀ), C broadcast to [M, N],
// then the fused activation. Constant B (the usual weight matrix) is packed once, with alpha.
#include <memory>
#include <vector>

#include "graph/broadcast.h"
#include "graph/ops/nn/nn_common.h"
#include "graph/ops/nn/nn_ops.h"
#include "graph/ops/nn/sgemm.h"

namespace coreinfer::nn {
namespace {

class GemmKernelOp final : public OpKernel {
 public:
  static Result<std::unique_ptr<OpKernel>> create(const OpBuildContext& ctx) {
    auto k = std::unique_ptr<GemmKernelOp>(new GemmKernelOp());
    const Attributes& a = ctx.attrs();
    k->alpha_ = a.get_float("alpha", 1.0f);
    k->beta_ = a.get_float("beta", 1.0f);
    k->trans_a_ = a.get_int("transA", 0) != 0;
    k->trans_b_ = a.get_int("transB", 0) != 0;
    if (ctx.opset > 0 && ctx.opset < 7 && a.has("broadcast") && a.get_int("broadcast", 0) == 0)
      return unsupported("Gemm with broadcast=0 (opset < 7) is not supported");
    CI_ASSIGN_OR_RETURN(k->act_, fused_activation(ctx));
    k->gemm_ = select_gemm_kernel(ctx.kernels);
    if (const Tensor* b = ctx.constant(1); b && b->type() == ElemType::kFloat && b->rank() == 2) {
      const int64_t kk = k->trans_b_ ? b->dim(1) : b->dim(0), n = k->trans_b_ ? b->dim(0) : b->dim(1);
      k->packed_b_ = pack_b(k->gemm_, kk, n, k->view_b(*b), k->alpha_);
      k->b_packed_ = true;
    }
    return std::unique_ptr<OpKernel>(std::move(k));
  }

  Status run(OpRunContext& ctx) override {
    CI_ASSIGN_OR_RETURN(const Tensor* a, float_input(ctx, 0, "A"));
    CI_ASSIGN_OR_RETURN(const Tensor* b, float_input(ctx, 1, "B"));
    CI_ASSIGN_OR_RETURN(const Tensor* c, optional_float_input(ctx, 2, "C"));
    if (a->rank() != 2) return invalid_argument("input A must be 2-D, got " + shape_string(a->shape()));
    if (b->rank() != 2) return invalid_argument("input B must be 2-D, got " + shape_string(b->shape()));
    const int64_t m = trans_a_ ? a->dim(1) : a->dim(0), k = trans_a_ ? a->dim(0) : a->dim(1);
    const int64_t kb = trans_b_ ? b->dim(1) : b->dim(0), n = trans_b_ ? b->dim(0) : b->dim(1);
    if (k != kb)
      return invalid_argument("inner dimensions differ: A " + shape_string(a->shape()) + (trans_a_ ? " (transA)" : "") +
                              " and B " + shape_string(b->shape()) + (trans_b_ ? " (transB)" : ""));
    // The GEMM writes every element when k > 0 (or C prefills them).
    CI_ASSIGN_OR_RETURN(Tensor * y, k > 0 ? ctx.allocate_output_uninitialized(0, ElemType::kFloat, Shape{m, n})
                                          : ctx.allocate_output(0, ElemType::kFloat, Shape{m, n}));
    float* yd = y->data<float>();
    GemmEpilogue epi;
    epi.act = act_;
    const Shape cs = c != nullptr ? c->shape() : Shape{};
    const int64_t c_numel = c != nullptr ? c->numel() : 0;
    if (c != nullptr && beta_ != 0.0f && k > 0 && c_numel == n && (cs.size() <= 1 || cs[0] == 1)) {
      // A bias per column (the usual Linear layer): added in the GEMM's epilogue, no prefill.
      epi.col_bias = scaled_bias(*c, n);
    } else if (c != nullptr && beta_ != 0.0f && k > 0 && cs.size() == 2 && cs[0] == m && cs[1] == 1 && m > 1) {
      epi.row_bias = scaled_bias(*c, m);
    } else if (c != nullptr && beta_ != 0.0f) {
      if (cs.size() > 2 || (cs.size() >= 1 && cs.back() != 1 && cs.back() != n) ||
          (cs.size() == 2 && cs[0] != 1 && cs[0] != m))
        return invalid_argument("input C " + shape_string(cs) + " cannot be broadcast to [" + std::to_string(m) + "," +
                                std::to_string(n) + "]");
      const auto strides = broadcast_strides(cs, Shape{m, n});
      const float* cd = c->data<float>();
      for (int64_t i = 0; i < m; ++i)
        for (int64_t j = 0; j < n; ++j) yd[i * n + j] = beta_ * cd[i * strides[0] + j * strides[1]];
      epi.accumulate = true;
    }
    if (m == 0 || n == 0) return Status::ok();
    pack_a_into(scratch_.a, gemm_, m, k, trans_a_ ? MatrixView{a->data<float>(), 1, m} : MatrixView{a->data<float>(), k, 1},
                b_packed_ ? 1.0f : alpha_, &ctx);
    GemmB src;
    if (b_packed_) {
      src.packed = &packed_b_;
    } else {
      src.view = view_b(*b);
    }
    sgemm(ctx, gemm_, m, n, k, scratch_.a, src, yd, n, epi, &scratch_);
    return Status::ok();
  }

 private:
  GemmKernelOp() = default;
  // beta * C (count values).
  const float* scaled_bias(const Tensor& c, int64_t count) {
    const float* cd = c.data<float>();
    if (beta_ == 1.0f) return cd;
    bias_.resize(static_cast<size_t>(count));
    for (int64_t i = 0; i < count; ++i) bias_[i] = beta_ * cd[i];
    return bias_.data();
  }
  MatrixView view_b(const Tensor& b) const {
    return trans_b_ ? MatrixView{b.data<float>(), 1, b.dim(1)} : MatrixView{b.data<float>(), b.dim(1), 1};
  }

  float alpha_ = 1, beta_ = 1;
  bool trans_a_ = false, trans_b_ = false;
  Activation act_;
  GemmKernel gemm_;
  bool b_packed_ = false;
  PackedB packed_b_;
  GemmScratch scratch_;
  std::vector<float> bias_;
};

}  // namespace

Result<std::unique_ptr<OpKernel>> make_gemm(const OpBuildContext& ctx) { return GemmKernelOp::create(ctx); }

}  // namespace coreinfer::nn
