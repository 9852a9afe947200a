// com.microsoft QLinearAdd and QLinearMul (numpy broadcasting), rounded as ONNX Runtime's x86
// kernels do: Add via scale ratios and fused multiply-adds (qlinear_add_kernel.h), Mul as
// float((a - za) * (b - zb)) * (sa * sb / sc) + zc.
#include <array>
#include <memory>

#include "core/cpu_features.h"
#include "graph/broadcast.h"
#include "graph/ops/quant/qlinear_add_kernel.h"
#include "graph/ops/quant/quant_ops.h"
#include "graph/ops/quant/quant_util.h"

namespace coreinfer::quant {

void qadd_row_portable(const void* a, int64_t a_step, const void* b, int64_t b_step, void* c, int64_t n,
                       const QAddRow& p, bool is_signed) {
  detail::qadd_row_dispatch(a, a_step, b, b_step, c, n, p, is_signed);
}

namespace {

QAddRowFn best_qadd_row() {
#if defined(__x86_64__)
  const CpuFeatures& f = cpu_features();
  if (f.avx2 && f.fma && f.os_ymm) return qadd_row_avx2;
#endif
  return qadd_row_portable;
}

struct BinaryQuant {
  float sa = 1, sb = 1, sc = 1;
  int32_t za = 0, zb = 0, zc = 0;
  ElemType type = ElemType::kUint8;
};

Status read_binary(const OpRunContext& ctx, const Tensor*& a, const Tensor*& b, BinaryQuant& q) {
  CI_ASSIGN_OR_RETURN(a, required_input(ctx, 0, "A"));
  CI_ASSIGN_OR_RETURN(b, required_input(ctx, 3, "B"));
  if (!is_8bit_type(a->type())) return invalid_argument(std::string("A must be uint8 or int8, got ") + elem_type_name(a->type()));
  if (b->type() != a->type()) return invalid_argument(type_mismatch("B", a->type(), b->type()));
  CI_ASSIGN_OR_RETURN(const Tensor* sa, required_input(ctx, 1, "A_scale"));
  CI_ASSIGN_OR_RETURN(const Tensor* sb, required_input(ctx, 4, "B_scale"));
  CI_ASSIGN_OR_RETURN(const Tensor* sc, required_input(ctx, 6, "C_scale"));
  CI_ASSIGN_OR_RETURN(auto va, read_scales(*sa, "A_scale", 0));
  CI_ASSIGN_OR_RETURN(auto vb, read_scales(*sb, "B_scale", 0));
  CI_ASSIGN_OR_RETURN(auto vc, read_scales(*sc, "C_scale", 0));
  CI_ASSIGN_OR_RETURN(auto za, read_zero_points(ctx.input(2), a->type(), "A_zero_point", 0));
  CI_ASSIGN_OR_RETURN(auto zb, read_zero_points(ctx.input(5), a->type(), "B_zero_point", 0));
  CI_ASSIGN_OR_RETURN(auto zc, read_zero_points(ctx.input(7), a->type(), "C_zero_point", 0));
  q = BinaryQuant{va[0], vb[0], vc[0], za[0], zb[0], zc[0], a->type()};
  return Status::ok();
}

// Runs row(a, a_step, b, b_step, c, n) over the broadcast of a and b (steps 0 or 1).
template <typename RowFn>
Status for_each_broadcast_run(OpRunContext& ctx, const Tensor& a, const Tensor& b, ElemType type, RowFn&& row) {
  std::array<Shape, 2> shapes{a.shape(), b.shape()};
  CI_ASSIGN_OR_RETURN(Shape out, broadcast_shapes(shapes));
  CI_ASSIGN_OR_RETURN(Tensor * c, ctx.allocate_output_uninitialized(0, type, out));
  const uint8_t* ap = static_cast<const uint8_t*>(a.raw());
  const uint8_t* bp = static_cast<const uint8_t*>(b.raw());
  uint8_t* cp = static_cast<uint8_t*>(c->raw());
  const int64_t total = c->numel();
  if (total == 0) return Status::ok();
  if (a.numel() == total && b.numel() == total) {
    ctx.parallel_for(total, 16384, [&](int64_t s, int64_t e) { row(ap + s, 1, bp + s, 1, cp + s, e - s); });
    return Status::ok();
  }
  if (b.numel() == 1 || a.numel() == 1) {
    const int64_t as = a.numel() == 1 ? 0 : 1, bs = b.numel() == 1 ? 0 : 1;
    ctx.parallel_for(total, 16384, [&](int64_t s, int64_t e) { row(ap + s * as, as, bp + s * bs, bs, cp + s, e - s); });
    return Status::ok();
  }
  std::array<std::vector<int64_t>, 2> strides{broadcast_strides(a.shape(), out), broadcast_strides(b.shape(), out)};
  broadcast_for_each_run<2>(out, strides, [&](int64_t ob, int64_t n, const std::array<int64_t, 2>& off,
                                               const std::array<int64_t, 2>& inner) {
    if ((inner[0] == 0 || inner[0] == 1) && (inner[1] == 0 || inner[1] == 1)) {
      row(ap + off[0], inner[0], bp + off[1], inner[1], cp + ob, n);
    } else {
      for (int64_t i = 0; i < n; ++i) row(ap + off[0] + i * inner[0], 0, bp + off[1] + i * inner[1], 0, cp + ob + i, 1);
    }
  });
  return Status::ok();
}

Status qlinear_add(OpRunContext& ctx) {
  const Tensor *a = nullptr, *b = nullptr;
  BinaryQuant q;
  CI_RETURN_IF_ERROR(read_binary(ctx, a, b, q));
  QAddRow base;
  base.ra = q.sa / q.sc;
  base.rb = q.sb / q.sc;
  base.fixed = static_cast<float>(q.zc) - (base.ra * static_cast<float>(q.za) + base.rb * static_cast<float>(q.zb));
  base.qmin = type_min(q.type);
  base.qmax = type_max(q.type);
  const bool is_signed = q.type == ElemType::kInt8;
  const QAddRowFn kernel = best_qadd_row();
  auto value = [&](const uint8_t* p) {
    return is_signed ? static_cast<float>(static_cast<int8_t>(*p)) : static_cast<float>(*p);
  };
  return for_each_broadcast_run(ctx, *a, *b, q.type,
                                [&](const uint8_t* ap, int64_t as, const uint8_t* bp, int64_t bs, uint8_t* cp, int64_t n) {
                                  QAddRow p = base;
                                  if (as == 0) p.fixed = p.fixed + value(ap) * p.ra;  // a scalar side, not fused
                                  if (bs == 0) p.fixed = p.fixed + value(bp) * p.rb;
                                  kernel(ap, as, bp, bs, cp, n, p, is_signed);
                                });
}

template <typename T>
void qmul_row(const T* a, int64_t as, const T* b, int64_t bs, T* c, int64_t n, const BinaryQuant& q, float ratio) {
  const float zc = static_cast<float>(q.zc);
  const float lo = static_cast<float>(std::numeric_limits<T>::lowest()), hi = static_cast<float>(std::numeric_limits<T>::max());
  for (int64_t i = 0; i < n; ++i) {
    const int32_t prod = (static_cast<int32_t>(a[i * as]) - q.za) * (static_cast<int32_t>(b[i * bs]) - q.zb);
    float v = static_cast<float>(prod) * ratio;
    v = v + zc;
    v = round_half_even(v);
    c[i] = static_cast<T>(v < lo ? lo : (v > hi ? hi : v));
  }
}

Status qlinear_mul(OpRunContext& ctx) {
  const Tensor *a = nullptr, *b = nullptr;
  BinaryQuant q;
  CI_RETURN_IF_ERROR(read_binary(ctx, a, b, q));
  const float ratio = q.sa * q.sb / q.sc;
  return for_each_broadcast_run(ctx, *a, *b, q.type,
                                [&](const uint8_t* ap, int64_t as, const uint8_t* bp, int64_t bs, uint8_t* cp, int64_t n) {
                                  if (q.type == ElemType::kInt8)
                                    qmul_row(reinterpret_cast<const int8_t*>(ap), as, reinterpret_cast<const int8_t*>(bp), bs,
                                             reinterpret_cast<int8_t*>(cp), n, q, ratio);
                                  else
                                    qmul_row(ap, as, bp, bs, cp, n, q, ratio);
                                });
}

}  // namespace

void register_binary_ops(OpRegistry& r) {
  r.add("com.microsoft", "QLinearAdd", [](const OpBuildContext&) -> Result<std::unique_ptr<OpKernel>> {
    return std::unique_ptr<OpKernel>(new LambdaKernel(qlinear_add));
  });
  r.add("com.microsoft", "QLinearMul", [](const OpBuildContext&) -> Result<std::unique_ptr<OpKernel>> {
    return std::unique_ptr<OpKernel>(new LambdaKernel(qlinear_mul));
  });
}

}  // namespace coreinfer::quant
