// MatMul with numpy semantics: batch dimensions broadcast, a 1-D operand is promoted to a
// matrix and its dimension removed from the result. A constant 2-D B is packed once.
#include <memory>

#include "graph/broadcast.h"
#include "graph/ops/nn/nn_common.h"
#include "graph/ops/nn/nn_ops.h"
#include "graph/ops/nn/sgemm.h"

namespace coreinfer::nn {
namespace {

class MatMulKernel final : public OpKernel {
 public:
  static Result<std::unique_ptr<OpKernel>> create(const OpBuildContext& ctx) {
    auto k = std::unique_ptr<MatMulKernel>(new MatMulKernel());
    CI_ASSIGN_OR_RETURN(k->act_, fused_activation(ctx));
    k->gemm_ = select_gemm_kernel(ctx.kernels);
    if (const Tensor* b = ctx.constant(1); b && b->type() == ElemType::kFloat && b->rank() == 2) {
      k->packed_b_ = pack_b(k->gemm_, b->dim(0), b->dim(1), MatrixView{b->data<float>(), b->dim(1), 1});
      k->b_packed_ = true;
    }
    // Optional fused bias over the last dimension (set by fuse_activations for MatMul + Add).
    if (ctx.node.inputs.size() > 2) {
      const Tensor* bias = ctx.constant(2);
      if (bias == nullptr || bias->type() != ElemType::kFloat || bias->rank() != 1)
        return invalid_argument("the fused bias (input 3) must be a constant 1-D float32 tensor");
      k->bias_ = *bias;
    }
    return std::unique_ptr<OpKernel>(std::move(k));
  }

  Status run(OpRunContext& ctx) override {
    CI_ASSIGN_OR_RETURN(const Tensor* a, float_input(ctx, 0, "A"));
    CI_ASSIGN_OR_RETURN(const Tensor* b, float_input(ctx, 1, "B"));
    if (a->rank() < 1 || b->rank() < 1)
      return invalid_argument("MatMul operands must have rank >= 1, got A " + shape_string(a->shape()) + " and B " +
                              shape_string(b->shape()));
    Shape as = a->shape(), bs = b->shape();
    const bool a_vec = as.size() == 1, b_vec = bs.size() == 1;
    if (a_vec) as.insert(as.begin(), 1);
    if (b_vec) bs.push_back(1);
    const int64_t m = as[as.size() - 2], k = as.back(), n = bs.back();
    if (bs[bs.size() - 2] != k)
      return invalid_argument("inner dimensions differ: A " + shape_string(a->shape()) + " and B " +
                              shape_string(b->shape()));
    const Shape a_batch(as.begin(), as.end() - 2), b_batch(bs.begin(), bs.end() - 2);
    const Shape batches[2] = {a_batch, b_batch};
    CI_ASSIGN_OR_RETURN(const Shape batch, broadcast_shapes(batches));
    Shape y_shape = batch;
    if (!a_vec) y_shape.push_back(m);
    if (!b_vec) y_shape.push_back(n);
    if (bias_.defined() && (b_vec || bias_.dim(0) != n))
      return invalid_argument("the fused bias has " + std::to_string(bias_.dim(0)) + " values for " +
                              std::to_string(n) + " columns");
    CI_ASSIGN_OR_RETURN(Tensor * y, k > 0 ? ctx.allocate_output_uninitialized(0, ElemType::kFloat, y_shape)
                                          : ctx.allocate_output(0, ElemType::kFloat, y_shape));  // k > 0: all written
    const int64_t count = shape_numel(batch);
    if (count == 0 || m == 0 || n == 0) return Status::ok();
    const auto sa = broadcast_strides(a_batch, batch), sb = broadcast_strides(b_batch, batch);
    GemmEpilogue epi;
    epi.act = act_;
    epi.col_bias = bias_.defined() ? bias_.data<float>() : nullptr;
    const float* ad = a->data<float>();
    const float* bd = b->data<float>();
    float* yd = y->data<float>();
    const bool use_packed_b = b_packed_ && b_batch.empty() && !b_vec;
    // Batch rows of A that share one B (B broadcast over A's batch) are one taller GEMM.
    const bool fold_a_batch = use_packed_b || (b_batch.empty() && a_batch.size() == batch.size());
    if (fold_a_batch && !a_batch.empty() && shape_numel(a_batch) == count) {
      const int64_t rows = count * m;
      pack_a_into(scratch_.a, gemm_, rows, k, MatrixView{ad, k, 1});
      const PackedA& pa = scratch_.a;
      GemmB src;
      if (use_packed_b) src.packed = &packed_b_;
      else src.view = MatrixView{bd, n, 1};
      sgemm(ctx, gemm_, rows, n, k, pa, src, yd, n, epi, &scratch_);
      return Status::ok();
    }
    std::vector<int64_t> idx(batch.size(), 0);
    for (int64_t t = 0; t < count; ++t) {
      int64_t oa = 0, ob = 0;
      for (size_t d = 0; d < batch.size(); ++d) {
        oa += idx[d] * sa[d];
        ob += idx[d] * sb[d];
      }
      pack_a_into(scratch_.a, gemm_, m, k, MatrixView{ad + oa * m * k, k, 1});
      const PackedA& pa = scratch_.a;
      GemmB src;
      if (use_packed_b) src.packed = &packed_b_;
      else src.view = MatrixView{bd + ob * k * n, n, 1};
      sgemm(ctx, gemm_, m, n, k, pa, src, yd + t * m * n, n, epi, &scratch_);
      for (int d = static_cast<int>(batch.size()) - 1; d >= 0; --d) {
        if (++idx[d] < batch[d]) break;
        idx[d] = 0;
      }
    }
    return Status::ok();
  }

 private:
  MatMulKernel() = default;
  Activation act_;
  GemmKernel gemm_;
  bool b_packed_ = false;
  PackedB packed_b_;
  Tensor bias_;
  GemmScratch scratch_;
};

}  // namespace

Result<std::unique_ptr<OpKernel>> make_matmul(const OpBuildContext& ctx) { return MatMulKernel::create(ctx); }

}  // namespace coreinfer::nn
