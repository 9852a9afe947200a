// QLinearMatMul and MatMulInteger: numpy-style batched matrix products on the int8 GEMM. A
// constant 2-D B is packed once at build time; a batched or dynamic B is packed per call.
#include <algorithm>
#include <cstring>
#include <map>
#include <memory>

#include "graph/broadcast.h"
#include "graph/ops/quant/int8_gemm.h"
#include "graph/ops/quant/quant_ops.h"
#include "graph/ops/quant/quant_util.h"

namespace coreinfer::quant {
namespace {

constexpr int64_t kBlockRows = 96;

struct MatMulInputs {
  int a, a_scale, a_zp, b, b_scale, b_zp, y_scale, y_zp;
};
constexpr MatMulInputs kQLinearInputs{0, 1, 2, 3, 4, 5, 6, 7};
constexpr MatMulInputs kIntegerInputs{0, -1, 2, 1, -1, 3, -1, -1};

struct MatMulProblem {
  int64_t m = 0, k = 0, n = 0;
  Shape out_shape;
  std::vector<int64_t> a_batch, b_batch;  // per output matrix: index of the A / B matrix
  ElemType a_type = ElemType::kUint8, y_type = ElemType::kInt32;
  std::vector<int32_t> a_zero;            // 1 or m values (per row)
  std::vector<int32_t> b_zero;            // n values
  std::vector<Requant> requant;           // n values (QLinearMatMul)
};

Status matmul_shapes(const Shape& as, const Shape& bs, MatMulProblem& p) {
  if (as.empty() || bs.empty()) return invalid_argument("MatMul inputs must have rank >= 1");
  Shape a = as, b = bs;
  const bool a_vec = a.size() == 1, b_vec = b.size() == 1;
  if (a_vec) a.insert(a.begin(), 1);
  if (b_vec) b.push_back(1);
  p.m = a[a.size() - 2];
  p.k = a.back();
  p.n = b.back();
  if (b[b.size() - 2] != p.k)
    return invalid_argument("inner dimensions differ: A " + shape_string(as) + " has K = " + std::to_string(p.k) + ", B " +
                            shape_string(bs) + " has " + std::to_string(b[b.size() - 2]));
  Shape ab(a.begin(), a.end() - 2), bb(b.begin(), b.end() - 2);
  std::array<Shape, 2> both{ab, bb};
  CI_ASSIGN_OR_RETURN(Shape ob, broadcast_shapes(both));
  const int64_t batches = shape_numel(ob);
  const auto sa = broadcast_strides(ab, ob), sb = broadcast_strides(bb, ob);
  p.a_batch.assign(static_cast<size_t>(batches), 0);
  p.b_batch.assign(static_cast<size_t>(batches), 0);
  // strides are in elements of the batch shapes (matrices)
  for (int64_t i = 0; i < batches; ++i) {
    int64_t rem = i, ai = 0, bi = 0;
    for (int d = static_cast<int>(ob.size()) - 1; d >= 0; --d) {
      const int64_t idx = rem % ob[d];
      rem /= ob[d];
      ai += idx * sa[d];
      bi += idx * sb[d];
    }
    p.a_batch[i] = ai;
    p.b_batch[i] = bi;
  }
  p.out_shape = ob;
  if (!a_vec) p.out_shape.push_back(p.m);
  if (!b_vec) p.out_shape.push_back(p.n);
  return Status::ok();
}

PackedInt8Weights pack_b(const Tensor& b, int64_t batch, int64_t k, int64_t n, const std::vector<int32_t>& zero) {
  const bool is_signed = b.type() == ElemType::kInt8;
  const uint8_t* raw = static_cast<const uint8_t*>(b.raw()) + batch * k * n;
  return pack_int8_weights(
      k, n, is_signed,
      [&](int64_t kk, int64_t nn) {
        const uint8_t v = raw[kk * n + nn];
        return is_signed ? static_cast<int32_t>(static_cast<int8_t>(v)) : static_cast<int32_t>(v);
      },
      zero);
}

class QMatMulKernel final : public OpKernel {
 public:
  explicit QMatMulKernel(bool qlinear) : qlinear_(qlinear), in_(qlinear ? kQLinearInputs : kIntegerInputs) {}

  Status prepare(const OpBuildContext& ctx) {
    const Tensor* b = ctx.constant(in_.b);
    if (b == nullptr || b->rank() != 2 || !is_8bit_type(b->type())) return Status::ok();
    if (ctx.has_input(in_.b_zp) && ctx.constant(in_.b_zp) == nullptr) return Status::ok();
    auto zp = read_zero_points(ctx.constant(in_.b_zp), b->type(), "b_zero_point", b->dim(1));
    if (!zp.is_ok()) return Status::ok();  // run() reports it
    packed_zero_ = broadcast_to(*zp, b->dim(1));
    packed_ = pack_b(*b, 0, b->dim(0), b->dim(1), packed_zero_);
    packed_from_ = *b;
    has_packed_ = true;
    return Status::ok();
  }

  Status run(OpRunContext& ctx) override {
    MatMulProblem p;
    CI_ASSIGN_OR_RETURN(const Tensor* a, required_input(ctx, in_.a, "A"));
    CI_ASSIGN_OR_RETURN(const Tensor* b, required_input(ctx, in_.b, "B"));
    CI_RETURN_IF_ERROR(validate(ctx, *a, *b, p));
    CI_ASSIGN_OR_RETURN(Tensor * y, ctx.allocate_output(0, p.y_type, p.out_shape));
    if (y->numel() == 0) return Status::ok();
    // Pack each distinct B matrix once per call (or use the build-time packing).
    std::map<int64_t, PackedInt8Weights> local;
    auto packed_for = [&](int64_t bi) -> const PackedInt8Weights& {
      if (has_packed_ && b->shares_storage_with(packed_from_) && p.b_zero == packed_zero_ && bi == 0) return packed_;
      auto it = local.find(bi);
      if (it == local.end()) it = local.emplace(bi, pack_b(*b, bi, p.k, p.n, p.b_zero)).first;
      return it->second;
    };
    for (int64_t bi : p.b_batch) (void)packed_for(bi);
    const int64_t batches = static_cast<int64_t>(p.a_batch.size());
    const int64_t blocks = (p.m + kBlockRows - 1) / kBlockRows;
    const uint8_t* ab = static_cast<const uint8_t*>(a->raw());
    const uint8_t flip = p.a_type == ElemType::kInt8 ? 0x80 : 0;
    const Int8GemmFn gemm = best_int8_gemm();
    std::vector<const PackedInt8Weights*> pb(static_cast<size_t>(batches));
    for (int64_t i = 0; i < batches; ++i) pb[i] = &packed_for(p.b_batch[i]);
    const int64_t kp = pb[0]->k_padded, ldc = pb[0]->padded_cols();
    ctx.parallel_for(batches * blocks, 1, [&](int64_t begin, int64_t end) {
      std::vector<uint8_t> abuf(static_cast<size_t>(kBlockRows * kp));
      std::vector<int32_t> c(static_cast<size_t>(kBlockRows * ldc));
      std::vector<int32_t> row_sum(kBlockRows);
      for (int64_t task = begin; task < end; ++task) {
        const int64_t bt = task / blocks, m0 = (task % blocks) * kBlockRows;
        const int64_t rows = std::min(kBlockRows, p.m - m0);
        const PackedInt8Weights& w = *pb[bt];
        const uint8_t* src = ab + (p.a_batch[bt] * p.m + m0) * p.k;
        std::memset(abuf.data(), 0, abuf.size());
        for (int64_t r = 0; r < rows; ++r) {
          int32_t s = 0;
          for (int64_t kk = 0; kk < p.k; ++kk) {
            const uint8_t v = static_cast<uint8_t>(src[r * p.k + kk] ^ flip);
            abuf[r * kp + kk] = v;
            s += v;
          }
          row_sum[r] = s;
        }
        gemm(abuf.data(), kp, rows, w, c.data(), ldc);
        const int64_t out_off = (bt * p.m + m0) * p.n;
        auto emit = [&](auto* yd) {
          using YT = std::remove_pointer_t<decltype(yd)>;
          for (int64_t r = 0; r < rows; ++r) {
            const int32_t az = p.a_zero[p.a_zero.size() == 1 ? 0 : m0 + r] + (flip ? 128 : 0);
            for (int64_t nn = 0; nn < p.n; ++nn) {
              const int32_t acc = zero_point_corrected(c[r * ldc + nn], row_sum[r], az, w.column_sums[nn], w.zero_points[nn], p.k);
              if constexpr (std::is_same_v<YT, int32_t>) yd[out_off + r * p.n + nn] = acc;
              else yd[out_off + r * p.n + nn] = static_cast<YT>(requantize(acc, p.requant[nn]));
            }
          }
        };
        if (p.y_type == ElemType::kInt32) emit(y->data<int32_t>());
        else if (p.y_type == ElemType::kInt8) emit(y->data<int8_t>());
        else emit(y->data<uint8_t>());
      }
    });
    return Status::ok();
  }

 private:
  Status validate(const OpRunContext& ctx, const Tensor& a, const Tensor& b, MatMulProblem& p) const {
    if (!is_8bit_type(a.type())) return invalid_argument(std::string("A must be uint8 or int8, got ") + elem_type_name(a.type()));
    if (!is_8bit_type(b.type())) return invalid_argument(std::string("B must be uint8 or int8, got ") + elem_type_name(b.type()));
    CI_RETURN_IF_ERROR(matmul_shapes(a.shape(), b.shape(), p));
    if (p.k > 33025)  // int32 sums of K products of magnitude 255 * 255 stay exact below this
      return unsupported("K = " + std::to_string(p.k) + " could overflow the int32 accumulator (limit 33025)");
    p.a_type = a.type();
    CI_ASSIGN_OR_RETURN(auto az, read_zero_points(ctx.input(in_.a_zp), a.type(), "a_zero_point", qlinear_ ? 0 : p.m));
    p.a_zero = az;
    CI_ASSIGN_OR_RETURN(auto bz, read_zero_points(ctx.input(in_.b_zp), b.type(), "b_zero_point", p.n));
    p.b_zero = broadcast_to(bz, p.n);
    if (!qlinear_) {
      p.y_type = ElemType::kInt32;
      return Status::ok();
    }
    CI_ASSIGN_OR_RETURN(const Tensor* as_t, required_input(ctx, in_.a_scale, "a_scale"));
    CI_ASSIGN_OR_RETURN(const Tensor* bs_t, required_input(ctx, in_.b_scale, "b_scale"));
    CI_ASSIGN_OR_RETURN(const Tensor* ys_t, required_input(ctx, in_.y_scale, "y_scale"));
    CI_ASSIGN_OR_RETURN(const Tensor* yz_t, required_input(ctx, in_.y_zp, "y_zero_point"));
    CI_ASSIGN_OR_RETURN(auto as, read_scales(*as_t, "a_scale", 0));
    CI_ASSIGN_OR_RETURN(auto bs, read_scales(*bs_t, "b_scale", p.n));
    CI_ASSIGN_OR_RETURN(auto ys, read_scales(*ys_t, "y_scale", 0));
    if (!is_8bit_type(yz_t->type()))
      return invalid_argument(std::string("y_zero_point must be uint8 or int8, got ") + elem_type_name(yz_t->type()));
    CI_ASSIGN_OR_RETURN(auto yz, read_zero_points(yz_t, yz_t->type(), "y_zero_point", 0));
    p.y_type = yz_t->type();
    p.requant.resize(static_cast<size_t>(p.n));
    for (int64_t i = 0; i < p.n; ++i)
      p.requant[i] = make_requant(as[0] * bs[bs.size() == 1 ? 0 : i] / ys[0], yz[0], p.y_type);
    return Status::ok();
  }

  bool qlinear_;
  MatMulInputs in_;
  bool has_packed_ = false;
  PackedInt8Weights packed_;
  std::vector<int32_t> packed_zero_;
  Tensor packed_from_;
};

OpFactory matmul_factory(bool qlinear) {
  return [qlinear](const OpBuildContext& ctx) -> Result<std::unique_ptr<OpKernel>> {
    auto k = std::make_unique<QMatMulKernel>(qlinear);
    CI_RETURN_IF_ERROR(k->prepare(ctx));
    return std::unique_ptr<OpKernel>(std::move(k));
  };
}

}  // namespace

void register_matmul_ops(OpRegistry& r) {
  r.add("", "QLinearMatMul", matmul_factory(true));
  r.add("", "MatMulInteger", matmul_factory(false));
}

}  // namespace coreinfer::quant
