// QLinearConv and ConvInteger: blocks of output pixels are gathered (im2col) into the uint8 X
// panel of conv_gemm.h, multiplied by weights packed at build time (int32 sums, exact), corrected
// for the zero points, then requantised as ONNX Runtime does (float(acc + bias) * (xs * ws / ys),
// round half to even, + zero point, saturate) in the GEMM's epilogue, or returned as int32
// (ConvInteger). Depthwise convolutions (one input and one output channel per group) use
// depthwise_int8.h (AVX-512 VNNI, 8-bit outputs) or depthwise_kernel.h instead. Zero points,
// bias and scales that are constants are read once at build time.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <memory>
#include <optional>
#include <utility>

#include "core/cpu_features.h"
#include "core/thread_pool.h"
#include "graph/ops/quant/conv_geometry.h"
#include "graph/ops/quant/conv_gemm.h"
#include "graph/ops/quant/conv_partition.h"
#include "graph/ops/quant/depthwise_int8.h"
#include "graph/ops/quant/depthwise_kernel.h"
#include "graph/ops/quant/qlinear_conv_nhwc.h"
#include "graph/ops/quant/requant_row.h"
#include "graph/ops/quant/scratch.h"
#include "graph/ops/quant/quant_ops.h"
#include "graph/ops/quant/quant_util.h"

namespace coreinfer::quant {
namespace {

struct ConvInputs {
  int x = 0, x_scale = -1, x_zp = 2, w = 1, w_scale = -1, w_zp = 3, y_scale = -1, y_zp = -1, bias = -1;
};
constexpr ConvInputs kQLinearInputs{0, 1, 2, 3, 4, 5, 6, 7, 8};
constexpr ConvInputs kIntegerInputs{0, -1, 2, 1, -1, 3, -1, -1, -1};

// The zero points, bias and requantisation of a call: read once at build time when those inputs
// are constants (the usual case), else on every run.
struct QuantParams {
  ElemType x_type = ElemType::kUint8, y_type = ElemType::kInt32;
  int32_t x_zero = 0;
  std::vector<int32_t> w_zero;   // per output channel
  std::vector<int32_t> bias;     // per output channel (zeros when absent)
  std::vector<Requant> requant;  // per output channel (QLinearConv)
  // GEMM path with the weights packed at build time: bias - xz * sum(w) + K * xz * wz per channel
  std::vector<int32_t> col_term;
  // the same for the NHWC GEMM (packed_nhwc_), with the scales, both padded for its vectors
  std::vector<int32_t> nhwc_term;
  std::vector<float> nhwc_scale;
  bool nhwc_small_scales = false;
  // depthwise int8 path: the weights in the int8 domain and each channel's constant
  std::vector<int8_t> dw_weights;
  std::vector<int32_t> dw_constant;
  std::vector<DepthwiseInt8Plane> dw_channels;  // the same as the channels-last kernel reads them
};

// Everything run() needs about one call, validated.
struct ConvProblem {
  int64_t batch = 0, channels = 0, out_channels = 0, groups = 1, cg = 0, mg = 0;
  Window2d win;
  Shape out_shape;
  ElemType x_type = ElemType::kUint8, w_type = ElemType::kInt8, y_type = ElemType::kInt32;
  const QuantParams* q = nullptr;  // the cached parameters or `local`
  QuantParams local;
};

// The depthwise int8 kernel's view of one channel's ks weights: s = w in the int8 domain (written
// to `s`), and the returned constant bias - uz * sum(s) + ks * uz * sz (sz the weight zero point in
// the int8 domain, uz the input's in the uint8 domain), wrapped to int32 like the kernel's sums
// (the true accumulator fits int32).
int32_t depthwise_weights(const uint8_t* raw, int64_t ks, bool w_signed, int32_t w_zero, int32_t uz, int32_t bias, int8_t* s) {
  int64_t sum = 0;
  for (int64_t i = 0; i < ks; ++i) {
    s[i] = static_cast<int8_t>(w_signed ? static_cast<int32_t>(static_cast<int8_t>(raw[i])) : int32_t{raw[i]} - 128);
    sum += s[i];
  }
  const int64_t sz = w_zero - (w_signed ? 0 : 128);
  return static_cast<int32_t>(static_cast<uint32_t>(int64_t{bias} - int64_t{uz} * sum + ks * int64_t{uz} * sz));
}

class QConvKernel final : public OpKernel {
 public:
  // channels_last: y in NHWC, and x too unless nchw_input
  QConvKernel(bool qlinear, WindowAttrs attrs, int64_t group, bool channels_last, bool nchw_input)
      : qlinear_(qlinear),
        in_(qlinear ? kQLinearInputs : kIntegerInputs),
        attrs_(std::move(attrs)),
        group_(group),
        channels_last_(channels_last),
        x_channels_last_(channels_last && !nchw_input) {}

  // Packs constant weights once.
  Status prepare(const OpBuildContext& ctx) {
    const Tensor* w = ctx.constant(in_.w);
    if (w == nullptr) return Status::ok();
    const bool zp_const = !ctx.has_input(in_.w_zp) || ctx.constant(in_.w_zp) != nullptr;
    if (!zp_const || w->rank() < 3 || !is_8bit_type(w->type())) return Status::ok();  // run() reports errors
    const int64_t m = w->dim(0);
    if (group_ < 1 || m % group_ != 0) return Status::ok();
    CI_ASSIGN_OR_RETURN(auto wz, read_zero_points(ctx.constant(in_.w_zp), w->type(), "w_zero_point", m));
    const int64_t mg = m / group_;
    if (w->dim(1) == 1 && mg == 1) return Status::ok();  // depthwise: direct path
    packed_zero_ = broadcast_to(wz, m);
    if (channels_last_ && best_nhwc_gemm() != nullptr) packed_nhwc_ = pack_nhwc(*w, packed_zero_);
    else packed_ = pack_weights(*w, packed_zero_);
    packed_from_ = *w;
    return Status::ok();
  }

  // Reads the zero points, bias and scales once when they are all constants (errors are left to
  // run()), with the per-channel terms of the packed GEMM or of the depthwise kernel.
  void cache_params(const OpBuildContext& ctx) {
    const Tensor* w = ctx.constant(in_.w);
    const Tensor* xz = ctx.constant(in_.x_zp);
    if (w == nullptr || xz == nullptr || w->rank() < 3 || !is_8bit_type(w->type())) return;
    for (int i : param_inputs()) {
      if (i < 0 || !ctx.has_input(i)) continue;
      if (ctx.constant(i) == nullptr) return;
      param_storage_.push_back({i, ctx.constant(i)->raw()});
    }
    QuantParams q;
    auto input = [&](int i) { return i < 0 ? nullptr : ctx.constant(i); };
    if (!read_params(input, xz->type(), *w, q).is_ok()) return;
    const int64_t m = w->dim(0), k = w->numel() / m;
    const int32_t uz = q.x_zero + (q.x_type == ElemType::kInt8 ? 128 : 0);
    if (!packed_.empty() && packed_zero_ == q.w_zero) {
      const int64_t mg = m / group_;
      q.col_term.resize(static_cast<size_t>(m));
      for (int64_t oc = 0; oc < m; ++oc) {
        const PackedConvWeights& pw = packed_[oc / mg];
        q.col_term[oc] = static_cast<int32_t>(int64_t{q.bias[oc]} - int64_t{uz} * pw.weight_sums[oc % mg] +
                                              k * int64_t{uz} * pw.zero_points[oc % mg]);
      }
    } else if (!packed_nhwc_.empty() && packed_zero_ == q.w_zero && q.y_type != ElemType::kInt32) {
      nhwc_terms(packed_nhwc_, q, uz, k, m / group_, q);
    } else if (w->dim(1) == 1 && m == group_ && q.y_type != ElemType::kInt32) {
      const bool w_signed = w->type() == ElemType::kInt8;
      const uint8_t* raw = static_cast<const uint8_t*>(w->raw());
      q.dw_weights.resize(static_cast<size_t>(m * k));
      q.dw_constant.resize(static_cast<size_t>(m));
      for (int64_t oc = 0; oc < m; ++oc)
        q.dw_constant[oc] = depthwise_weights(raw + oc * k, k, w_signed, q.w_zero[oc], uz, q.bias[oc],
                                              q.dw_weights.data() + oc * k);
      dw_weights_from_ = *w;
      std::vector<int8_t> unused;
      if (x_channels_last_) q.dw_channels = depthwise_channels(q, *w, true, unused);
    }
    cached_ = std::move(q);
  }

  Status run(OpRunContext& ctx) override {
    ConvProblem p;
    CI_RETURN_IF_ERROR(validate(ctx, p));
    if (cached_params_apply(ctx, p.x_type)) {
      p.q = &*cached_;
    } else {
      CI_ASSIGN_OR_RETURN(const Tensor* w, required_input(ctx, in_.w, "w"));
      CI_RETURN_IF_ERROR(read_params([&](int i) { return i < 0 ? nullptr : ctx.input(i); }, p.x_type, *w, p.local));
      p.q = &p.local;
    }
    p.y_type = p.q->y_type;
    CI_ASSIGN_OR_RETURN(const Tensor* x, required_input(ctx, in_.x, "x"));
    CI_ASSIGN_OR_RETURN(const Tensor* w, required_input(ctx, in_.w, "w"));
    CI_ASSIGN_OR_RETURN(Tensor * y, ctx.allocate_output_uninitialized(0, p.y_type, p.out_shape));  // every element is written
    if (y->numel() == 0) return Status::ok();
    if (channels_last_) return run_channels_last(ctx, p, *x, *w, *y);
    if (p.cg == 1 && p.mg == 1) return run_depthwise(ctx, p, *x, *w, *y);
    run_nchw_gemm(ctx, p, *x, *w, *y);
    return Status::ok();
  }

 private:
  void run_nchw_gemm(const OpRunContext& ctx, const ConvProblem& p, const Tensor& x, const Tensor& w, Tensor& y) const {
    std::vector<PackedConvWeights> local;
    const std::vector<PackedConvWeights>* packed = &packed_;
    if (packed_.empty() || !w.shares_storage_with(packed_from_) || p.q->w_zero != packed_zero_) {
      local = pack_weights(w, p.q->w_zero);
      packed = &local;
    }
    run_gemm(ctx, p, x, *packed, y);
  }

  // Channels-last x and y: the NHWC kernels where this CPU has them (8-bit output), else the
  // NCHW path between two layout changes.
  Status run_channels_last(const OpRunContext& ctx, const ConvProblem& p, const Tensor& x, const Tensor& w, Tensor& y) const {
    const Window2d& g = p.win;
    const bool depthwise = p.cg == 1 && p.mg == 1;
#if defined(__x86_64__)
    const CpuFeatures& f = cpu_features();
    if (depthwise && x_channels_last_ && p.y_type != ElemType::kInt32 && f.avx512_vnni && f.avx512bw && f.avx512vl && f.os_zmm &&
        depthwise_int8_channels_last_fits(g)) {
      std::vector<int8_t> storage;
      std::vector<DepthwiseInt8Plane> local;
      const bool cached = !p.q->dw_weights.empty() && w.shares_storage_with(dw_weights_from_);
      if (!cached || p.q->dw_channels.empty()) local = depthwise_channels(*p.q, w, cached, storage);
      const std::vector<DepthwiseInt8Plane>& channels = local.empty() ? p.q->dw_channels : local;
      run_nhwc_depthwise_int8(ctx, channels.data(), static_cast<const uint8_t*>(x.raw()), static_cast<uint8_t*>(y.raw()),
                              p.batch, p.channels, g);
      return Status::ok();
    }
#endif
    const NhwcGemmFn gemm = best_nhwc_gemm();
    if (!depthwise && p.y_type != ElemType::kInt32 && gemm != nullptr) {
      std::vector<PackedNhwcWeights> local;
      const std::vector<PackedNhwcWeights>* packed = &packed_nhwc_;
      if (packed_nhwc_.empty() || !w.shares_storage_with(packed_from_) || p.q->w_zero != packed_zero_) {
        local = pack_nhwc(w, p.q->w_zero);
        packed = &local;
      }
      const uint8_t flip = p.x_type == ElemType::kInt8 ? 0x80 : 0;
      QuantParams local_terms;
      const QuantParams* terms = p.q;
      if (packed != &packed_nhwc_ || p.q->nhwc_term.empty()) {
        nhwc_terms(*packed, *p.q, p.q->x_zero + (flip ? 128 : 0), p.cg * g.kernel_size(), p.mg, local_terms);
        terms = &local_terms;
      }
      NhwcConvArgs a;
      a.x = static_cast<const uint8_t*>(x.raw());
      a.x_nchw = !x_channels_last_;
      a.y = static_cast<uint8_t*>(y.raw());
      a.batch = p.batch;
      a.channels = p.channels;
      a.out_channels = p.out_channels;
      a.groups = p.groups;
      a.win = g;
      a.flip = flip;
      a.x_zero_raw = static_cast<uint8_t>(p.q->x_zero);
      a.packed = packed;
      a.term = terms->nhwc_term.data();
      a.scale = terms->nhwc_scale.data();
      a.y_zero = p.q->requant[0].zero_point;
      a.lo = p.q->requant[0].lo;
      a.hi = p.q->requant[0].hi;
      a.y_signed = p.y_type == ElemType::kInt8;
      a.small_scales = terms->nhwc_small_scales;
      run_nhwc_conv_gemm(ctx, a, gemm);
      return Status::ok();
    }
    // the NCHW path on transposed copies
    Shape xs{p.batch, p.channels}, ys{p.batch, p.out_channels};
    for (int d = 1; d + 1 < x.rank(); ++d) xs.push_back(x.dim(d));
    for (int d = 1; d + 1 < y.rank(); ++d) ys.push_back(y.dim(d));
    Tensor xt = x;
    if (x_channels_last_) {
      CI_ASSIGN_OR_RETURN(xt, Tensor::allocate_uninitialized(p.x_type, xs, ctx.buffers));
      nhwc_to_nchw_u8(static_cast<const uint8_t*>(x.raw()), p.batch, p.channels, g.in_size(), static_cast<uint8_t*>(xt.raw()));
    }
    CI_ASSIGN_OR_RETURN(Tensor yt, Tensor::allocate_uninitialized(p.y_type, ys, ctx.buffers));
    if (depthwise) CI_RETURN_IF_ERROR(run_depthwise(ctx, p, xt, w, yt));
    else run_nchw_gemm(ctx, p, xt, w, yt);
    nchw_to_nhwc_u8(static_cast<const uint8_t*>(yt.raw()), p.batch, p.out_channels, g.out_size(), static_cast<uint8_t*>(y.raw()));
    return Status::ok();
  }

  // out.nhwc_term / nhwc_scale / nhwc_small_scales for `packed` from the zero points, bias and
  // requantisation of q (8-bit output); a_zero is x's zero point in the uint8 domain.
  static void nhwc_terms(const std::vector<PackedNhwcWeights>& packed, const QuantParams& q, int64_t a_zero,
                         int64_t k_real, int64_t mg, QuantParams& out) {
    const size_t m = q.requant.size();
    out.nhwc_term.assign(m + kNhwcChannelVector, 0);
    out.nhwc_scale.assign(m + kNhwcChannelVector, 0.0f);
    bool small = true;
    for (size_t oc = 0; oc < m; ++oc) {
      const PackedNhwcWeights& pw = packed[oc / mg];
      const int64_t n = static_cast<int64_t>(oc) % mg;
      out.nhwc_term[oc] = static_cast<int32_t>(int64_t{q.bias[oc]} - a_zero * pw.weight_sums[n] +
                                               k_real * a_zero * pw.zero_points[n]);
      out.nhwc_scale[oc] = q.requant[oc].scale;
      const Requant full = make_requant(q.requant[oc].scale, q.requant[oc].zero_point, q.y_type);
      small = small && std::abs(q.requant[oc].scale) <= 0.5f && q.requant[oc].lo == full.lo && q.requant[oc].hi == full.hi;
    }
    out.nhwc_small_scales = small;
  }

  // NHWC weights: depth k of a group's row is (kh, kw, c), or ONNX's (c, kh, kw) for an NCHW x.
  std::vector<PackedNhwcWeights> pack_nhwc(const Tensor& w, const std::vector<int32_t>& w_zero) const {
    const int64_t m = w.dim(0), mg = m / group_, cg = w.dim(1);
    const int64_t ks = w.numel() / (m * cg);
    const bool is_signed = w.type() == ElemType::kInt8;
    const uint8_t* raw = static_cast<const uint8_t*>(w.raw());
    std::vector<PackedNhwcWeights> out;
    for (int64_t g = 0; g < group_; ++g) {
      std::vector<int32_t> zps(w_zero.begin() + g * mg, w_zero.begin() + (g + 1) * mg);
      out.push_back(pack_nhwc_weights(
          mg, cg * ks, is_signed,
          [&](int64_t n, int64_t kk) {
            const int64_t tap = kk / cg, c = kk % cg;
            const uint8_t b = x_channels_last_ ? raw[((g * mg + n) * cg + c) * ks + tap] : raw[(g * mg + n) * cg * ks + kk];
            return is_signed ? static_cast<int32_t>(static_cast<int8_t>(b)) : static_cast<int32_t>(b);
          },
          zps));
    }
    return out;
  }

  // The depthwise kernel's per-channel weights and constants for the m channels of w (x and y
  // left null), from q's depthwise weights when `cached`, else in `storage`.
  static std::vector<DepthwiseInt8Plane> depthwise_channels(const QuantParams& q, const Tensor& w, bool cached,
                                                            std::vector<int8_t>& storage) {
    const int64_t m = w.dim(0), ks = w.numel() / m;
    const bool x_signed = q.x_type == ElemType::kInt8, w_signed = w.type() == ElemType::kInt8;
    const int32_t uz = q.x_zero + (x_signed ? 128 : 0);
    std::vector<DepthwiseInt8Plane> channels(static_cast<size_t>(m));
    if (!cached) storage.resize(static_cast<size_t>(m * ks));
    for (int64_t oc = 0; oc < m; ++oc) {
      DepthwiseInt8Plane& c = channels[oc];
      if (cached) {
        c.w = q.dw_weights.data() + oc * ks;
        c.constant = q.dw_constant[oc];
      } else {
        int8_t* sp = storage.data() + oc * ks;
        c.w = sp;
        c.constant = depthwise_weights(static_cast<const uint8_t*>(w.raw()) + oc * ks, ks, w_signed, q.w_zero[oc], uz,
                                       q.bias[oc], sp);
      }
      c.flip = x_signed ? 0x80 : 0;
      c.y_signed = q.y_type == ElemType::kInt8;
      c.x_zero_raw = static_cast<uint8_t>(q.x_zero);
      c.w_zero = q.w_zero[oc] - (w_signed ? 0 : 128);
      c.rq = q.requant[oc];
    }
    return channels;
  }

  std::vector<PackedConvWeights> pack_weights(const Tensor& w, const std::vector<int32_t>& w_zero) const {
    const int64_t m = w.dim(0), mg = m / group_;
    const int64_t k = w.numel() / m;  // Cg * kh * kw, in ONNX order (c, kh, kw)
    const bool is_signed = w.type() == ElemType::kInt8;
    const uint8_t* raw = static_cast<const uint8_t*>(w.raw());
    std::vector<PackedConvWeights> out;
    for (int64_t g = 0; g < group_; ++g) {
      std::vector<int32_t> zps(w_zero.begin() + g * mg, w_zero.begin() + (g + 1) * mg);
      out.push_back(pack_conv_weights(
          mg, k, is_signed,
          [&](int64_t n, int64_t kk) {
            const uint8_t b = raw[(g * mg + n) * k + kk];
            return is_signed ? static_cast<int32_t>(static_cast<int8_t>(b)) : static_cast<int32_t>(b);
          },
          zps));
    }
    return out;
  }

  Status validate(const OpRunContext& ctx, ConvProblem& p) const {
    CI_ASSIGN_OR_RETURN(const Tensor* x, required_input(ctx, in_.x, "x"));
    CI_ASSIGN_OR_RETURN(const Tensor* w, required_input(ctx, in_.w, "w"));
    if (!is_8bit_type(x->type())) return invalid_argument(std::string("x must be uint8 or int8, got ") + elem_type_name(x->type()));
    if (!is_8bit_type(w->type())) return invalid_argument(std::string("w must be uint8 or int8, got ") + elem_type_name(w->type()));
    if (x->rank() < 3 || x->rank() > 4)
      return unsupported("x must be [N, C, W] or [N, C, H, W], got " + shape_string(x->shape()));
    if (w->rank() != x->rank())
      return invalid_argument("w " + shape_string(w->shape()) + " must have the rank of x " + shape_string(x->shape()));
    p.x_type = x->type();
    p.w_type = w->type();
    p.batch = x->dim(0);
    p.channels = x_channels_last_ ? x->dim(x->rank() - 1) : x->dim(1);
    p.out_channels = w->dim(0);
    p.groups = group_;
    if (group_ < 1 || p.channels % group_ != 0 || p.out_channels % group_ != 0)
      return invalid_argument("group " + std::to_string(group_) + " must divide the input channels (" +
                              std::to_string(p.channels) + ") and output channels (" + std::to_string(p.out_channels) + ")");
    p.cg = p.channels / group_;
    p.mg = p.out_channels / group_;
    if (w->dim(1) != p.cg)
      return invalid_argument("w " + shape_string(w->shape()) + " must have C/group = " + std::to_string(p.cg) +
                              " input channels, x is " + shape_string(x->shape()));
    const int sp0 = x_channels_last_ ? 1 : 2;
    std::vector<int64_t> in_sp(x->shape().begin() + sp0, x->shape().begin() + sp0 + (x->rank() - 2));
    std::vector<int64_t> k_sp(w->shape().begin() + 2, w->shape().end());
    if (!attrs_.kernel_shape.empty() && attrs_.kernel_shape != k_sp)
      return invalid_argument("kernel_shape does not match the weight shape " + shape_string(w->shape()));
    CI_ASSIGN_OR_RETURN(p.win, window_geometry(attrs_, in_sp, k_sp));
    // int32 sums of up to K products of magnitude 255 * 255 stay exact below 33025 terms
    if (p.cg * p.win.kernel_size() > 33025)
      return unsupported("a reduction of " + std::to_string(p.cg * p.win.kernel_size()) +
                         " products per output could overflow the int32 accumulator (limit 33025)");
    p.out_shape = {p.batch};
    if (!channels_last_) p.out_shape.push_back(p.out_channels);
    if (x->rank() == 4) p.out_shape.push_back(p.win.out_h);
    p.out_shape.push_back(p.win.out_w);
    if (channels_last_) p.out_shape.push_back(p.out_channels);
    return Status::ok();
  }

  std::vector<int> param_inputs() const {
    return {in_.x_zp, in_.w_zp, in_.x_scale, in_.w_scale, in_.y_scale, in_.y_zp, in_.bias};
  }

  // The cached parameters hold for this run: x has the cached type and the parameter inputs are
  // the constants they were read from.
  bool cached_params_apply(const OpRunContext& ctx, ElemType x_type) const {
    if (!cached_ || cached_->x_type != x_type) return false;
    for (const auto& [i, raw] : param_storage_) {
      const Tensor* t = ctx.input(i);
      if (t == nullptr || !t->defined() || t->raw() != raw) return false;
    }
    for (int i : param_inputs()) {  // an input absent at build time must still be absent
      if (i < 0) continue;
      const bool cached = std::any_of(param_storage_.begin(), param_storage_.end(), [&](const auto& e) { return e.first == i; });
      const Tensor* t = ctx.input(i);
      if (!cached && t != nullptr && t->defined()) return false;
    }
    return true;
  }

  // Zero points, bias and requantisation from input(i) (nullptr when absent), validated.
  template <typename InputFn>
  Status read_params(InputFn&& input, ElemType x_type, const Tensor& w, QuantParams& q) const {
    const int64_t m = w.dim(0);
    q.x_type = x_type;
    CI_ASSIGN_OR_RETURN(auto xz, read_zero_points(input(in_.x_zp), x_type, "x_zero_point", 0));
    q.x_zero = xz[0];
    CI_ASSIGN_OR_RETURN(auto wz, read_zero_points(input(in_.w_zp), w.type(), "w_zero_point", m));
    q.w_zero = broadcast_to(wz, m);
    q.bias.assign(static_cast<size_t>(m), 0);
    if (!qlinear_) {
      q.y_type = ElemType::kInt32;
      return Status::ok();
    }
    auto required = [&](int i, const char* name) -> Result<const Tensor*> {
      const Tensor* t = input(i);
      if (t == nullptr || !t->defined())
        return invalid_argument(std::string("required input ") + std::to_string(i) + " (" + name + ") is missing");
      return t;
    };
    CI_ASSIGN_OR_RETURN(const Tensor* xs_t, required(in_.x_scale, "x_scale"));
    CI_ASSIGN_OR_RETURN(const Tensor* ws_t, required(in_.w_scale, "w_scale"));
    CI_ASSIGN_OR_RETURN(const Tensor* ys_t, required(in_.y_scale, "y_scale"));
    CI_ASSIGN_OR_RETURN(const Tensor* yz_t, required(in_.y_zp, "y_zero_point"));
    CI_ASSIGN_OR_RETURN(auto xs, read_scales(*xs_t, "x_scale", 0));
    CI_ASSIGN_OR_RETURN(auto ws, read_scales(*ws_t, "w_scale", m));
    CI_ASSIGN_OR_RETURN(auto ys, read_scales(*ys_t, "y_scale", 0));
    if (!is_8bit_type(yz_t->type()))
      return invalid_argument(std::string("y_zero_point must be uint8 or int8, got ") + elem_type_name(yz_t->type()));
    CI_ASSIGN_OR_RETURN(auto yz, read_zero_points(yz_t, yz_t->type(), "y_zero_point", 0));
    q.y_type = yz_t->type();
    const Tensor* b = input(in_.bias);
    if (b != nullptr && b->defined()) {
      if (b->type() != ElemType::kInt32) return invalid_argument(std::string("B must be int32, got ") + elem_type_name(b->type()));
      if (b->rank() != 1 || b->numel() != m)
        return invalid_argument("B must be 1-D with " + std::to_string(m) + " values (one per output channel), got " +
                                shape_string(b->shape()));
      for (int64_t i = 0; i < m; ++i) q.bias[i] = b->data<int32_t>()[i];
    }
    q.requant.resize(static_cast<size_t>(m));
    for (int64_t i = 0; i < m; ++i) {
      const float scale = xs[0] * ws[ws.size() == 1 ? 0 : i] / ys[0];  // float, as ONNX Runtime computes it
      q.requant[i] = make_requant(scale, yz[0], q.y_type);
    }
    return Status::ok();
  }

  void run_gemm(const OpRunContext& ctx, const ConvProblem& p, const Tensor& x, const std::vector<PackedConvWeights>& packed,
                Tensor& y) const {
    const Window2d& g = p.win;
    const int64_t out_size = g.out_size();
    const int64_t k_real = p.cg * g.kernel_size();
    const int64_t kp = packed[0].k_padded;
    const uint8_t flip = p.x_type == ElemType::kInt8 ? 0x80 : 0;
    const int32_t a_zero = p.q->x_zero + (flip ? 128 : 0);
    const uint8_t pad_raw = static_cast<uint8_t>(p.q->x_zero);  // the stored byte of x_zero_point
    const bool pointwise = g.k_h == 1 && g.k_w == 1 && g.stride_h == 1 && g.stride_w == 1 && g.pad_t == 0 &&
                           g.pad_l == 0 && g.out_h == g.in_h && g.out_w == g.in_w;
    const uint8_t* xb = static_cast<const uint8_t*>(x.raw());
    const ConvGemmFn gemm = best_conv_gemm();
    const RequantRowFn requant_row = best_requant_row();
    const ConvGemmRequantFn fused = p.y_type == ElemType::kInt32 ? nullptr : best_conv_gemm_requant();
    const PackQuadFn pack_quad = best_pack_quad();
    const GatherEvenFn gather_even = best_gather_even();
    // Per output channel: bias - xz * sum(w) + K * xz * wz, folded once (at build time for
    // constant parameters and packed weights).
    std::vector<int32_t> local_term;
    const bool cached_term = &packed == &packed_ && !p.q->col_term.empty();
    if (!cached_term) {
      local_term.resize(static_cast<size_t>(p.out_channels));
      for (int64_t grp = 0; grp < p.groups; ++grp)
        for (int64_t n = 0; n < p.mg; ++n) {
          const int64_t oc = grp * p.mg + n;
          const PackedConvWeights& w = packed[grp];
          local_term[oc] = static_cast<int32_t>(int64_t{p.q->bias[oc]} - int64_t{a_zero} * w.weight_sums[n] +
                                                k_real * int64_t{a_zero} * w.zero_points[n]);
        }
    }
    const std::vector<int32_t>& col_term = cached_term ? p.q->col_term : local_term;
    const bool small_scales = std::all_of(p.q->requant.begin(), p.q->requant.end(), [&](const Requant& r) {
      const Requant full = make_requant(r.scale, r.zero_point, p.y_type);
      return std::abs(r.scale) <= 0.5f && r.lo == full.lo && r.hi == full.hi;
    });
    // Tasks are (output-channel split, image, pixel block), the split outermost; with output
    // channels split each thread packs its own copy of the block's X (once for consecutive
    // splits of one block).
    const int64_t threads = ctx.pool != nullptr ? ctx.pool->size() : 1;
    const ConvPartition part = plan_conv_partition(p.batch, out_size, p.mg, threads);
    const int64_t blocks = part.blocks, pixel_tasks = p.batch * blocks;
    const int64_t oc_chunk = (p.mg + part.oc_splits - 1) / part.oc_splits;
    const int64_t max_pix = (part.max_block_pixels() + kConvPixelVector - 1) / kConvPixelVector * kConvPixelVector;
    ctx.parallel_for(pixel_tasks * part.oc_splits, 1, [&](int64_t begin, int64_t end) {
      // uninitialised on purpose: every byte read is written first (zero-filling them showed in
      // profiles); the int32 block only without the fused epilogue
      const size_t xpk_bytes = round_up_64(static_cast<size_t>(kp * max_pix));
      const size_t c_bytes = fused != nullptr ? 0 : static_cast<size_t>(p.mg * max_pix) * sizeof(int32_t);
      Scratch scratch(ctx.buffers, xpk_bytes + c_bytes + max_pix * (sizeof(int32_t) + 4));
      uint8_t* const xpk = scratch.data();
      int32_t* const c = reinterpret_cast<int32_t*>(scratch.data() + xpk_bytes);
      int32_t* const pixel_sum = reinterpret_cast<int32_t*>(scratch.data() + xpk_bytes + c_bytes);
      uint8_t* const rows_buf = scratch.data() + xpk_bytes + c_bytes + max_pix * sizeof(int32_t);
      std::fill(pixel_sum, pixel_sum + max_pix, 0);
      // the block's pixels as runs along one output row: (first pixel, oh, first ow, length)
      struct Run {
        int64_t r, oh, ow, len;
      };
      std::vector<Run> runs;
      int64_t packed_block = -1;  // the block whose X is in xpk (groups == 1)
      for (int64_t task = begin; task < end; ++task) {
        const int64_t split = task / pixel_tasks, block_task = task % pixel_tasks;
        const int64_t img = block_task / blocks, p0 = part.block_begin(block_task % blocks);
        const int64_t n_begin = split * oc_chunk, n_end = std::min(p.mg, n_begin + oc_chunk);
        const int64_t rows = part.block_begin(block_task % blocks + 1) - p0;
        const int64_t pix = (rows + kConvPixelVector - 1) / kConvPixelVector * kConvPixelVector;
        runs.clear();
        for (int64_t r = 0; r < rows && !pointwise;) {
          const int64_t oh = (p0 + r) / g.out_w, ow = (p0 + r) % g.out_w;
          const int64_t len = std::min(rows - r, g.out_w - ow);
          runs.push_back({r, oh, ow, len});
          r += len;
        }
        for (int64_t grp = 0; grp < p.groups; ++grp) {
          const uint8_t* xg = xb + (img * p.channels + grp * p.cg) * g.in_size();
          // The source row of X for depth index k (c, kh, kw): raw stored bytes over the block.
          auto source_row = [&](int64_t kk, uint8_t* scratch) -> const uint8_t* {
            const int64_t ch = kk / g.kernel_size(), kh = (kk / g.k_w) % g.k_h, kw = kk % g.k_w;
            const uint8_t* plane = xg + ch * g.in_size();
            if (pointwise) return plane + p0;
            // input column of output ow is ow * stride_w + shift; columns inside [0, in_w) for ow in [lo, hi)
            const int64_t shift = kw * g.dil_w - g.pad_l, sw = g.stride_w;
            const int64_t lo = shift >= 0 ? 0 : (-shift + sw - 1) / sw;
            const int64_t hi = g.in_w - shift <= 0 ? 0 : (g.in_w - shift - 1) / sw + 1;
            for (const Run& run : runs) {
              uint8_t* out = scratch + run.r;
              const int64_t ih = run.oh * g.stride_h - g.pad_t + kh * g.dil_h;
              if (ih < 0 || ih >= g.in_h) {
                std::memset(out, pad_raw, static_cast<size_t>(run.len));
                continue;
              }
              const int64_t a = std::clamp(lo, run.ow, run.ow + run.len), b = std::clamp(hi, a, run.ow + run.len);
              std::memset(out, pad_raw, static_cast<size_t>(a - run.ow));
              const uint8_t* in = plane + ih * g.in_w;  // in[ow * sw + shift] >= 0 for ow >= lo
              if (sw == 1) std::memcpy(out + (a - run.ow), in + a + shift, static_cast<size_t>(b - a));
              else if (sw == 2) gather_even(in + 2 * a + shift, b - a, out + (a - run.ow));
              else for (int64_t ow = a; ow < b; ++ow) out[ow - run.ow] = in[ow * sw + shift];
              std::memset(out + (b - run.ow), pad_raw, static_cast<size_t>(run.ow + run.len - b));
            }
            return scratch;
          };
          const PackedConvWeights& w = packed[grp];
          // consecutive tasks of one block (its output-channel splits) share the packed X
          const bool reuse = p.groups == 1 && block_task == packed_block;
          packed_block = p.groups == 1 ? block_task : -1;
          for (int64_t q = 0; q < kp / 4 && !reuse; ++q) {
            const uint8_t* src[4];
            for (int j = 0; j < 4; ++j) {
              const int64_t kk = 4 * q + j;
              src[j] = kk < k_real ? source_row(kk, rows_buf + j * max_pix) : nullptr;
            }
            pack_quad(src, rows, pix, flip, reinterpret_cast<uint32_t*>(xpk + q * pix * 4));
          }
          if (w.any_zero_point && !reuse) {
            for (int64_t r = 0; r < rows; ++r) pixel_sum[r] = 0;
            for (int64_t q = 0; q < kp / 4; ++q) {
              const uint8_t* xq = xpk + q * pix * 4;
              for (int64_t r = 0; r < rows; ++r) pixel_sum[r] += xq[4 * r] + xq[4 * r + 1] + xq[4 * r + 2] + xq[4 * r + 3];
            }
          }
          if (fused != nullptr) {
            ConvRequantOutput out;
            out.term = col_term.data() + grp * p.mg;
            out.pixel_sum = w.any_zero_point ? pixel_sum : nullptr;
            out.requant = p.q->requant.data() + grp * p.mg;
            out.y = static_cast<uint8_t*>(y.raw()) + (img * p.out_channels + grp * p.mg) * out_size + p0;
            out.ldy = out_size;
            out.rows = rows;
            out.is_signed = p.y_type == ElemType::kInt8;
            out.small_scales = small_scales;
            fused(w, n_begin, n_end, xpk, pix, out);
            continue;
          }
          gemm(w, n_begin, n_end, xpk, pix, c);
          for (int64_t n = n_begin; n < n_end; ++n) {
            const int64_t oc = grp * p.mg + n;
            const int32_t* crow = c + n * pix;
            const int32_t term = col_term[oc], wz = w.zero_points[n];
            const Requant& rq = p.q->requant.empty() ? Requant{} : p.q->requant[oc];
            const int64_t out_off = (img * p.out_channels + oc) * out_size + p0;
            auto acc_at = [&](int64_t r) { return crow[r] + term - (wz != 0 ? wz * pixel_sum[r] : 0); };
            if (p.y_type == ElemType::kInt32) {
              int32_t* yd = y.data<int32_t>() + out_off;
              for (int64_t r = 0; r < rows; ++r) yd[r] = acc_at(r);
            } else {
              requant_row(crow, rows, term, wz, pixel_sum, rq, p.y_type == ElemType::kInt8,
                          static_cast<uint8_t*>(y.raw()) + out_off);
            }
          }
        }
      }
    });
  }

  Status run_depthwise(const OpRunContext& ctx, const ConvProblem& p, const Tensor& x, const Tensor& w, Tensor& y) const {
    const Window2d& g = p.win;
    const int64_t ks = g.kernel_size();
    if (p.y_type != ElemType::kInt32 && depthwise_int8_fits(g)) {
#if defined(__x86_64__)
      const CpuFeatures& f = cpu_features();
      if (f.avx512_vnni && f.avx512bw && f.avx512f && f.os_zmm) return run_depthwise_int8(ctx, p, x, w, y);
#endif
    }
    const DepthwisePlaneFn plane_fn = best_depthwise_plane();
    const size_t x_elem = elem_size(p.x_type), y_elem = elem_size(p.y_type);
    ctx.parallel_for(p.batch * p.out_channels, 1, [&](int64_t begin, int64_t end) {
      // uninitialised on purpose: depthwise_plane writes every element it reads
      std::unique_ptr<double[]> scratch(new double[static_cast<size_t>(depthwise_scratch_size(g))]);
      std::vector<double> taps(static_cast<size_t>(ks));
      for (int64_t task = begin; task < end; ++task) {
        const int64_t img = task / p.out_channels, oc = task % p.out_channels;
        for (int64_t i = 0; i < ks; ++i) {
          const int32_t raw = p.w_type == ElemType::kInt8 ? w.data<int8_t>()[oc * ks + i] : w.data<uint8_t>()[oc * ks + i];
          taps[i] = raw - p.q->w_zero[oc];
        }
        // one input channel per group and one output channel per group: input channel = oc
        const auto* xp = static_cast<const uint8_t*>(x.raw()) + (img * p.channels + oc) * g.in_size() * x_elem;
        auto* yp = static_cast<uint8_t*>(y.raw()) + (img * p.out_channels + oc) * g.out_size() * y_elem;
        const Requant rq = p.q->requant.empty() ? Requant{} : p.q->requant[oc];
        plane_fn(xp, p.x_type, p.q->x_zero, taps.data(), g, p.q->bias[oc], rq, yp, p.y_type, scratch.get());
      }
    });
    return Status::ok();
  }

#if defined(__x86_64__)
  // The exact integer kernel of depthwise_int8.h. Tasks are (image, channel) planes, except for
  // one large image (56x56 and up, stride 1) with several threads: then bands of output rows,
  // every channel in each, so a thread reads the rows the pixel-split 1x1 convolution before it
  // wrote on the same core and writes those the one after it reads there (the whole int8
  // MobileNetV2 at batch 1 on 2 threads: 1-6% faster in 10 of 11 alternating runs; bands at 28x28
  // and with stride 2 measured slower).
  Status run_depthwise_int8(const OpRunContext& ctx, const ConvProblem& p, const Tensor& x, const Tensor& w, Tensor& y) const {
    const Window2d& g = p.win;
    const int64_t ks = g.kernel_size();
    const bool x_signed = p.x_type == ElemType::kInt8, w_signed = p.w_type == ElemType::kInt8;
    const int32_t uz = p.q->x_zero + (x_signed ? 128 : 0);
    const uint8_t* wraw = static_cast<const uint8_t*>(w.raw());
    const bool nhwc = cpu_features().avx512vl && depthwise_int8_prefers_nhwc(g);
    const bool cached = !p.q->dw_weights.empty() && w.shares_storage_with(dw_weights_from_);
    const int64_t threads = ctx.pool != nullptr ? ctx.pool->size() : 1;
    const int64_t bands = p.batch == 1 && threads > 1 && g.stride_h == 1 && g.out_size() >= 3136 && g.out_h >= 2 * threads
                              ? threads
                              : 1;
    // Planes [begin, end) of tasks over (image, channel), each restricted to output rows [r0, r1).
    auto run_planes = [&](int64_t begin, int64_t end, int64_t r0, int64_t r1) {
      int64_t first_in = 0;
      const Window2d bg = r0 == 0 && r1 == g.out_h ? g : output_rows(g, r0, r1, &first_in);
      std::vector<int8_t> s(cached ? 0 : static_cast<size_t>((end - begin) * ks));
      std::vector<DepthwiseInt8Plane> planes(static_cast<size_t>(end - begin));
      for (int64_t task = begin; task < end; ++task) {
        const int64_t img = task / p.out_channels, oc = task % p.out_channels;
        DepthwiseInt8Plane& plane = planes[task - begin];
        if (cached) {
          plane.w = p.q->dw_weights.data() + oc * ks;
          plane.constant = p.q->dw_constant[oc];
        } else {
          int8_t* sp = s.data() + (task - begin) * ks;
          plane.w = sp;
          plane.constant = depthwise_weights(wraw + oc * ks, ks, w_signed, p.q->w_zero[oc], uz, p.q->bias[oc], sp);
        }
        plane.x = static_cast<const uint8_t*>(x.raw()) + (img * p.channels + oc) * g.in_size() + first_in * g.in_w;
        plane.y = static_cast<uint8_t*>(y.raw()) + (img * p.out_channels + oc) * g.out_size() + r0 * g.out_w;
        plane.flip = x_signed ? 0x80 : 0;
        plane.y_signed = p.y_type == ElemType::kInt8;
        plane.x_zero_raw = static_cast<uint8_t>(p.q->x_zero);
        plane.w_zero = p.q->w_zero[oc] - (w_signed ? 0 : 128);
        plane.rq = p.q->requant[oc];
      }
      if (nhwc) {
        Scratch scratch(ctx.buffers, depthwise_int8_nhwc_scratch_bytes(bg));
        depthwise_int8_nhwc_avx512vnni(planes.data(), end - begin, bg, scratch.data());
      } else {
        depthwise_int8_planes_avx512vnni(planes.data(), end - begin, bg);
      }
    };
    if (bands > 1) {
      ctx.parallel_for(bands, 1, [&](int64_t begin, int64_t end) {
        for (int64_t b = begin; b < end; ++b) run_planes(0, p.out_channels, g.out_h * b / bands, g.out_h * (b + 1) / bands);
      });
    } else {
      ctx.parallel_for(p.batch * p.out_channels, 1,
                       [&](int64_t begin, int64_t end) { run_planes(begin, end, 0, g.out_h); });
    }
    return Status::ok();
  }
#endif

  bool qlinear_;
  ConvInputs in_;
  WindowAttrs attrs_;
  int64_t group_;
  bool channels_last_, x_channels_last_;
  std::vector<PackedConvWeights> packed_;
  std::vector<PackedNhwcWeights> packed_nhwc_;  // channels_last_ with an NHWC kernel on this CPU
  std::vector<int32_t> packed_zero_;
  Tensor packed_from_;
  std::optional<QuantParams> cached_;                  // cache_params()
  std::vector<std::pair<int, const void*>> param_storage_;  // the constants it was read from
  Tensor dw_weights_from_;
};

OpFactory conv_factory(bool qlinear) {
  return [qlinear](const OpBuildContext& ctx) -> Result<std::unique_ptr<OpKernel>> {
    CI_ASSIGN_OR_RETURN(WindowAttrs attrs, read_window_attrs(ctx.attrs()));
    const int64_t group = ctx.attrs().get_int("group", 1);
    const bool channels_last = ctx.attrs().get_int("channels_last", 0) != 0;
    const bool nchw_input = ctx.attrs().get_int("nchw_input", 0) != 0;  // coreinfer's form only
    if (channels_last && !qlinear) return unsupported("ConvInteger has no channels_last form");
    if (group < 1) return invalid_argument("group must be >= 1, got " + std::to_string(group));
    auto k = std::make_unique<QConvKernel>(qlinear, std::move(attrs), group, channels_last, nchw_input);
    CI_RETURN_IF_ERROR(k->prepare(ctx));
    k->cache_params(ctx);
    return std::unique_ptr<OpKernel>(std::move(k));
  };
}

}  // namespace

void register_conv_ops(OpRegistry& r) {
  r.add("", "QLinearConv", conv_factory(true));
  r.add("com.microsoft", "QLinearConv", conv_factory(true));  // same op, plus channels_last (NHWC x and y)
  // made by use_channels_last_int8 (passes.h): also nchw_input = 1, NCHW x and NHWC y
  r.add("coreinfer", "QLinearConv", conv_factory(true));
  r.add("", "ConvInteger", conv_factory(false));
}

}  // namespace coreinfer::quant
