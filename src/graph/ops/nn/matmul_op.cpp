// MatMul with numpy semantics: batch dimensions broadcast, a 1-D operand is promoted to a
// matrix and its dimension removed from the result. A constant 2-D B is packed once.
#include <memory>
#include <string>
#include <vector>

#include "graph/broadcast.h"
#include "graph/ops/nn/matmul_nt.h"
#include "graph/ops/nn/nn_common.h"
#include "graph/ops/nn/nn_ops.h"
#include "graph/ops/nn/sgemm.h"

namespace coreinfer::nn {
namespace {

// An operand as MatMul reads it: its logical shape (after an absorbed Transpose's perm) and the
// element stride of each logical dimension in the stored tensor.
struct OperandView {
  Shape shape;
  std::vector<int64_t> strides;
};

Result<OperandView> operand_view(const Tensor& t, const std::vector<int64_t>& perm, const char* name) {
  const int64_t rank = t.rank();
  std::vector<int64_t> stored(rank);
  for (int64_t d = rank - 1, s = 1; d >= 0; --d) stored[d] = s, s *= t.dim(d);
  if (perm.empty()) return OperandView{t.shape(), stored};
  if (static_cast<int64_t>(perm.size()) != rank)
    return invalid_argument(std::string("the Transpose feeding ") + name + " has a perm of " +
                            std::to_string(perm.size()) + " axes for a tensor of shape " + shape_string(t.shape()));
  OperandView v;
  std::vector<bool> seen(rank, false);
  for (int64_t p : perm) {
    if (p < 0 || p >= rank || seen[p])
      return invalid_argument(std::string("the perm of the Transpose feeding ") + name + " is not a permutation");
    seen[p] = true;
    v.shape.push_back(t.dim(p));
    v.strides.push_back(stored[p]);
  }
  return v;
}

// The operand's element stride for each dimension of the broadcast batch shape (0 where the
// operand has size 1 or lacks the dimension).
std::vector<int64_t> batch_strides(const OperandView& v, size_t own_dims, const Shape& batch) {
  std::vector<int64_t> out(batch.size(), 0);
  const size_t lead = batch.size() - own_dims;
  for (size_t d = 0; d < own_dims; ++d)
    if (v.shape[d] != 1) out[lead + d] = v.strides[d];
  return out;
}

class MatMulKernel final : public OpKernel {
 public:
  static Result<std::unique_ptr<OpKernel>> create(const OpBuildContext& ctx) {
    auto k = std::unique_ptr<MatMulKernel>(new MatMulKernel());
    CI_ASSIGN_OR_RETURN(k->act_, fused_activation(ctx));
    k->gemm_ = select_gemm_kernel(ctx.kernels);
    k->nt_ = select_nt_kernels(ctx.kernels);
    // Set by fuse_matmul_transposes: the operand is the stored tensor read through this perm.
    k->perm_a_ = ctx.attrs().get_ints("perm_a");
    k->perm_b_ = ctx.attrs().get_ints("perm_b");
    if (const Tensor* b = ctx.constant(1); b && b->type() == ElemType::kFloat && b->rank() == 2 && k->perm_b_.empty()) {
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
    CI_ASSIGN_OR_RETURN(OperandView av, operand_view(*a, perm_a_, "A"));
    CI_ASSIGN_OR_RETURN(OperandView bv, operand_view(*b, perm_b_, "B"));
    const bool a_vec = av.shape.size() == 1, b_vec = bv.shape.size() == 1;
    if (a_vec) av.shape.insert(av.shape.begin(), 1), av.strides.insert(av.strides.begin(), 0);
    if (b_vec) bv.shape.push_back(1), bv.strides.push_back(0);
    const Shape& as = av.shape;
    const Shape& bs = bv.shape;
    const int64_t m = as[as.size() - 2], k = as.back(), n = bs.back();
    if (bs[bs.size() - 2] != k)
      return invalid_argument("inner dimensions differ: A " + shape_string(as) + " and B " + shape_string(bs));
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
    GemmEpilogue epi;
    epi.act = act_;
    epi.col_bias = bias_.defined() ? bias_.data<float>() : nullptr;
    const float* ad = a->data<float>();
    const float* bd = b->data<float>();
    float* yd = y->data<float>();
    const int64_t a_rs = av.strides[as.size() - 2], a_cs = av.strides.back();
    const int64_t b_rs = bv.strides[bs.size() - 2], b_cs = bv.strides.back();
    const bool use_packed_b = b_packed_ && b_batch.empty() && !b_vec;
    // B read through a perm that swaps its last two axes (B^T's rows contiguous): each item's B is
    // transposed into a contiguous block first, as packing it from strided single floats is slow.
    const bool b_nt = !perm_b_.empty() && !b_vec && b_rs == 1 && b_cs != 1;
    const int64_t nt_ld = nt_packed_ld(n);
    auto nt_block = [&](std::vector<float>& buf, const float* b_item) {
      buf.resize(static_cast<size_t>(k * nt_ld));
      nt_.pack(b_item, b_cs, n, k, buf.data(), nt_ld);
      return MatrixView{buf.data(), nt_ld, 1};
    };
    // Batch rows of A that share one B (B broadcast over A's batch) are one taller GEMM when A's
    // rows are stored one after another.
    const bool fold_a_batch = perm_a_.empty() && (use_packed_b || (b_batch.empty() && a_batch.size() == batch.size()));
    if (fold_a_batch && !a_batch.empty() && shape_numel(a_batch) == count) {
      const int64_t rows = count * m;
      pack_a_into(scratch_.a, gemm_, rows, k, MatrixView{ad, k, 1}, 1.0f, &ctx);
      GemmB src;
      if (use_packed_b) src.packed = &packed_b_;
      else src.view = b_nt ? nt_block(nt_buf_, bd) : MatrixView{bd, b_rs, b_cs};
      sgemm(ctx, gemm_, rows, n, k, scratch_.a, src, yd, n, epi, &scratch_);
      return Status::ok();
    }
    // Element offsets of each batch item's A and B (broadcast batch dimensions have stride 0).
    const std::vector<int64_t> sa = batch_strides(av, a_batch.size(), batch), sb = batch_strides(bv, b_batch.size(), batch);
    // Small NT items without an epilogue (DLRM's interaction) skip sgemm's packing of A.
    constexpr int64_t kSmallItemFlops = int64_t{1} << 21;
    const bool small_item = m * n * k <= kSmallItemFlops;
    const bool nt_direct = b_nt && small_item && epi.act.kind == Activation::Kind::kNone && epi.col_bias == nullptr;
    auto item_offsets = [&](int64_t t, int64_t& oa, int64_t& ob) {
      oa = 0, ob = 0;
      for (int64_t d = static_cast<int64_t>(batch.size()) - 1, rest = t; d >= 0; --d) {
        oa += rest % batch[d] * sa[d];
        ob += rest % batch[d] * sb[d];
        rest /= batch[d];
      }
    };
    auto run_one = [&](const OpRunContext& c, GemmScratch& scratch, std::vector<float>& nt_buf, int64_t t) {
      int64_t oa, ob;
      item_offsets(t, oa, ob);
      if (nt_direct) {
        // The item's rows are read from memory once, by the packing: fetch the next item's now.
        if (t + 1 < count) {
          int64_t na, nb;
          item_offsets(t + 1, na, nb);
          for (int64_t j = 0; j < n; ++j)
            for (int64_t p = 0; p < k; p += 16) __builtin_prefetch(bd + nb + j * b_cs + p);
        }
        const MatrixView bp = nt_block(nt_buf, bd + ob);
        // X · X^T (A is the B^T just packed): the result is symmetric.
        const bool symmetric = ad + oa == bd + ob && m == n && a_cs == b_rs && a_rs == b_cs;
        nt_.gemm(m, n, k, ad + oa, a_rs, a_cs, bp.data, bp.rs, yd + t * m * n, n, symmetric);
        return;
      }
      pack_a_into(scratch.a, gemm_, m, k, MatrixView{ad + oa, a_rs, a_cs}, 1.0f, &c);
      GemmB src;
      if (use_packed_b) src.packed = &packed_b_;
      else src.view = b_nt ? nt_block(nt_buf, bd + ob) : MatrixView{bd + ob, b_rs, b_cs};
      sgemm(c, gemm_, m, n, k, scratch.a, src, yd + t * m * n, n, epi, &scratch);
    };
    // Small products (attention heads, DLRM's interaction: thousands of 27x64x27) are not worth
    // splitting across threads one by one: the threads take whole items instead.
    if (count > 1 && small_item) {
      ctx.parallel_for(count, 1, [&](int64_t t0, int64_t t1) {
        GemmScratch scratch;
        std::vector<float> nt_buf;
        const OpRunContext single{ctx.inputs, ctx.outputs, nullptr, ctx.kernels, ctx.buffers};
        for (int64_t t = t0; t < t1; ++t) run_one(single, scratch, nt_buf, t);
      });
      return Status::ok();
    }
    for (int64_t t = 0; t < count; ++t) run_one(ctx, scratch_, nt_buf_, t);
    return Status::ok();
  }

 private:
  MatMulKernel() = default;
  Activation act_;
  GemmKernel gemm_;
  std::vector<int64_t> perm_a_, perm_b_;
  bool b_packed_ = false;
  PackedB packed_b_;
  Tensor bias_;
  GemmScratch scratch_;
  NtKernels nt_;
  std::vector<float> nt_buf_;  // B transposed into a contiguous block (b_nt)
};

}  // namespace

Result<std::unique_ptr<OpKernel>> make_matmul(const OpBuildContext& ctx) { return MatMulKernel::create(ctx); }

}  // namespace coreinfer::nn
