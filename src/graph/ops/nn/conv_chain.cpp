// coreinfer::ConvChain (from the fuse_conv_chains pass): [1x1 expand Conv] -> depthwise Conv ->
// 1x1 project Conv [+ Z], the inverted-residual block of MobileNet-style networks. Unfused, the
// expanded tensor (the block's widest: 6x its input channels, 4.8 MB at 112x112) is written by
// the expand conv and read back by the depthwise one from L3 or memory, and the depthwise output
// again by the projection. Here each thread takes bands of output rows and runs all three stages
// on a band, so the expanded rows (with the window's halo rows above and below, recomputed by
// the neighbouring band) stay in L2: ~256 KB per band. Feature maps whose expanded tensor fits
// in L2 anyway, inputs that are not 4-D and a Z that broadcasts run the three Conv kernels one
// after the other instead (the unfused path, exactly).
//
// Inputs: X, W_expand, B_expand ("" when the block has no expansion), W_dw, B_dw, W_project,
// B_project, Z. Attributes: the depthwise Conv's window and activation prefixed "dw_", the expand
// Conv's activation prefixed "expand_", the projection's activation unprefixed.
#include <algorithm>
#include <atomic>
#include <cstring>
#include <memory>
#include <vector>

#include "core/thread_pool.h"
#include "graph/ops/nn/depthwise.h"
#include "graph/ops/nn/nn_common.h"
#include "graph/ops/nn/nn_ops.h"
#include "graph/ops/nn/sgemm.h"
#include "graph/ops/nn/window_geometry.h"
#include "kernels/kernel_table.h"

namespace coreinfer::nn {
namespace {

constexpr int64_t kBandBytes = 256 << 10;      // a band's expanded rows
constexpr int64_t kBandedMinBytes = 512 << 10;  // per image: smaller expanded tensors stay in L2 unfused

enum Input { kX = 0, kWe, kBe, kWd, kBd, kWp, kBp, kZ, kInputs };

// The attributes of `a` named prefix + name, as name.
Attributes strip_prefix(const Attributes& a, const std::string& prefix) {
  Attributes out;
  for (const auto& [name, value] : a.all())
    if (name.size() > prefix.size() && name.compare(0, prefix.size(), prefix) == 0)
      out.set(name.substr(prefix.size()), value);
  return out;
}

Node conv_node(Attributes attrs) {
  Node n;
  n.op_type = "Conv";
  n.name = "ConvChain stage";
  n.inputs = {"x", "w", "b", "z"};
  n.outputs = {"y"};
  n.attrs = std::move(attrs);
  return n;
}

// Per thread: a band's expanded and depthwise rows, and the GEMMs' packing buffers.
struct BandScratch {
  std::vector<float> expanded, depthwise;
  GemmScratch gemm;
};

class ConvChainKernel final : public OpKernel {
 public:
  static Result<std::unique_ptr<OpKernel>> create(const OpBuildContext& ctx) {
    auto k = std::unique_ptr<ConvChainKernel>(new ConvChainKernel());
    const Attributes& a = ctx.attrs();
    const Attributes dw = strip_prefix(a, "dw_"), expand = strip_prefix(a, "expand_");
    k->has_expand_ = ctx.has_input(kWe);
    CI_ASSIGN_OR_RETURN(k->act_e_, activation_from_attrs(expand));
    CI_ASSIGN_OR_RETURN(k->act_d_, activation_from_attrs(dw));
    CI_ASSIGN_OR_RETURN(k->act_p_, activation_from_attrs(a));
    k->window_ = read_window_attrs(dw);
    k->window_.ceil_mode = false;
    k->gemm_ = select_gemm_kernel(ctx.kernels);
    k->depthwise_ = select_depthwise_planes(ctx.kernels);
    const Tensor* wd = ctx.constant(kWd);
    const Tensor* wp = ctx.constant(kWp);
    const Tensor* we = k->has_expand_ ? ctx.constant(kWe) : nullptr;
    if (!wd || !wp || (k->has_expand_ && !we) || wd->type() != ElemType::kFloat || wp->type() != ElemType::kFloat ||
        (we && we->type() != ElemType::kFloat))
      return invalid_argument("ConvChain needs constant float32 weights");
    if (wd->rank() != 4 || wd->dim(1) != 1 || wp->rank() != 4 || wp->dim(1) != wd->dim(0) || wp->dim(2) != 1 ||
        wp->dim(3) != 1 || (we && (we->rank() != 4 || we->dim(0) != wd->dim(0) || we->dim(2) != 1 || we->dim(3) != 1)))
      return invalid_argument("ConvChain weights do not chain: W_dw " + shape_string(wd->shape()) + ", W_project " +
                              shape_string(wp->shape()) + (we ? ", W_expand " + shape_string(we->shape()) : ""));
    k->ce_ = wd->dim(0);
    k->cout_ = wp->dim(0);
    k->cin_ = we ? we->dim(1) : k->ce_;
    Attributes dw_conv = dw;
    dw_conv.erase("activation");
    dw_conv.erase("activation_params");
    set_activation_attrs(dw_conv, k->act_d_);
    dw_conv.set_int("group", k->ce_);
    Attributes e_conv, p_conv;
    set_activation_attrs(e_conv, k->act_e_);
    set_activation_attrs(p_conv, k->act_p_);
    k->nodes_[0] = conv_node(e_conv);
    k->nodes_[1] = conv_node(dw_conv);
    k->nodes_[2] = conv_node(p_conv);
    k->opset_ = ctx.opset;
    return std::unique_ptr<OpKernel>(std::move(k));
  }

  Status run(OpRunContext& ctx) override {
    CI_ASSIGN_OR_RETURN(const Tensor* x, float_input(ctx, kX, "X"));
    if (x->rank() != 4 || x->dim(1) != cin_) return run_unfused(ctx);
    const Tensor* wd = ctx.input(kWd);
    CI_ASSIGN_OR_RETURN(const WindowGeometry g,
                        resolve_window(window_, Shape{x->dim(2), x->dim(3)}, Shape{wd->dim(2), wd->dim(3)}));
    const int64_t batch = x->dim(0), H = x->dim(2), W = x->dim(3), OH = g.out[1], OW = g.out[2];
    const Shape y_shape{batch, cout_, OH, OW};
    const Tensor* z = ctx.input(kZ);
    if (batch == 0 || OH * OW == 0 || (z && z->shape() != y_shape) || ce_ * H * W * 4 <= kBandedMinBytes)
      return run_unfused(ctx);

    // Band height: the most output rows whose input rows fit kBandBytes, then evened out.
    const int64_t sh = g.stride[1], kh_extent = (g.kernel[1] - 1) * g.dilation[1] + 1;
    auto in_rows = [&](int64_t out_rows) { return (out_rows - 1) * sh + kh_extent; };
    int64_t band = 1;
    while (band < OH && ce_ * in_rows(band + 1) * W * 4 <= kBandBytes) ++band;
    const int threads = ctx.pool ? ctx.pool->size() : 1;
    // As many bands per thread (a thread left one band short idles for a band's time).
    int64_t n_bands = (OH + band - 1) / band;
    while ((batch * n_bands) % threads != 0 && n_bands < OH) ++n_bands;
    band = (OH + n_bands - 1) / n_bands;
    n_bands = (OH + band - 1) / band;
    if (batch * n_bands < threads) return run_unfused(ctx);
    // Every band must read at least one input row (pads past the window would leave none).
    for (int64_t o0 : {int64_t{0}, (n_bands - 1) * band}) {
      const int64_t o1 = std::min(OH, o0 + band);
      const int64_t lo = o0 * sh - g.pad_begin[1], hi = (o1 - 1) * sh - g.pad_begin[1] + kh_extent;
      if (std::min(H, hi) - std::max<int64_t>(0, lo) <= 0) return run_unfused(ctx);
    }

    if (packed_e_.data.empty() && packed_p_.data.empty()) pack_weights(ctx);
    CI_ASSIGN_OR_RETURN(Tensor * y, ctx.allocate_output_uninitialized(0, ElemType::kFloat, y_shape));
    if (scratch_.size() < static_cast<size_t>(threads)) scratch_.resize(static_cast<size_t>(threads));
    Band b{ctx, g, x->data<float>(), z ? z->data<float>() : nullptr, y->data<float>(), band};
    const int64_t items = batch * n_bands;
    std::atomic<int64_t> next{0};
    auto work = [&](int tid) {
      for (int64_t i = next.fetch_add(1, std::memory_order_relaxed); i < items;
           i = next.fetch_add(1, std::memory_order_relaxed))
        run_band(b, i / n_bands, i % n_bands, scratch_[static_cast<size_t>(tid)]);
    };
    if (threads > 1) {
      ctx.pool->run([&](int tid, int) { work(tid); });
    } else {
      work(0);
    }
    return Status::ok();
  }

 private:
  ConvChainKernel() = default;

  struct Band {
    const OpRunContext& ctx;
    const WindowGeometry& g;
    const float* x;
    const float* z;
    float* y;
    int64_t rows;  // output rows per band
  };

  void pack_weights(const OpRunContext& ctx) {
    if (has_expand_) pack_a_into(packed_e_, gemm_, ce_, cin_, MatrixView{ctx.input(kWe)->data<float>(), cin_, 1});
    pack_a_into(packed_p_, gemm_, cout_, ce_, MatrixView{ctx.input(kWp)->data<float>(), ce_, 1});
  }

  static const float* optional_data(const OpRunContext& ctx, int i) {
    const Tensor* t = ctx.input(static_cast<size_t>(i));
    return t ? t->data<float>() : nullptr;
  }

  // Output rows [o0, o1) of image n: expand the input rows they read, depthwise, project.
  void run_band(const Band& b, int64_t n, int64_t index, BandScratch& s) const {
    const WindowGeometry& g = b.g;
    const int64_t H = g.in[1], W = g.in[2], OH = g.out[1], OW = g.out[2];
    const int64_t o0 = index * b.rows, o1 = std::min(OH, o0 + b.rows);
    const int64_t kh_extent = (g.kernel[1] - 1) * g.dilation[1] + 1;
    const int64_t lo = o0 * g.stride[1] - g.pad_begin[1], hi = (o1 - 1) * g.stride[1] - g.pad_begin[1] + kh_extent;
    const int64_t r0 = std::max<int64_t>(0, lo), r1 = std::min(H, hi), cols = (r1 - r0) * W;
    const OpRunContext serial{{}, {}, nullptr, b.ctx.kernels};
    const float* x = b.x + n * cin_ * H * W;

    if (s.expanded.size() < static_cast<size_t>(ce_ * cols)) s.expanded.resize(static_cast<size_t>(ce_ * cols));
    float* e = s.expanded.data();
    if (has_expand_) {
      GemmEpilogue epi;
      epi.row_bias = optional_data(b.ctx, kBe);
      epi.act = act_e_;
      GemmB src;
      src.view = MatrixView{x + r0 * W, H * W, 1};
      sgemm(serial, gemm_, ce_, cols, cin_, packed_e_, src, e, cols, epi, &s.gemm);
    } else {
      for (int64_t c = 0; c < ce_; ++c)
        std::memcpy(e + c * cols, x + c * H * W + r0 * W, static_cast<size_t>(cols) * sizeof(float));
    }

    // The band as an image of its own: its first row is input row r0.
    WindowGeometry gb = g;
    gb.in[1] = r1 - r0;
    gb.out[1] = o1 - o0;
    gb.pad_begin[1] = r0 - lo;
    gb.pad_end[1] = hi - r1;
    const int64_t out_cols = (o1 - o0) * OW;
    if (s.depthwise.size() < static_cast<size_t>(ce_ * out_cols))
      s.depthwise.resize(static_cast<size_t>(ce_ * out_cols));
    DepthwisePlanes planes;
    planes.x = e;
    planes.w = b.ctx.input(kWd)->data<float>();
    planes.bias = optional_data(b.ctx, kBd);
    planes.y = s.depthwise.data();
    planes.channels = ce_;
    planes.act = act_d_;
    depthwise_(gb, planes, 0, ce_);

    GemmEpilogue epi;
    epi.row_bias = optional_data(b.ctx, kBp);
    epi.residual = b.z ? b.z + n * cout_ * OH * OW + o0 * OW : nullptr;
    epi.act = act_p_;
    GemmB src;
    src.view = MatrixView{s.depthwise.data(), out_cols, 1};
    sgemm(serial, gemm_, cout_, out_cols, ce_, packed_p_, src, b.y + n * cout_ * OH * OW + o0 * OW, OH * OW, epi,
          &s.gemm);
  }

  // The three Conv kernels in turn (built at the first such run), as the graph was before fusion.
  Status run_unfused(OpRunContext& ctx) {
    if (!stages_[1]) CI_RETURN_IF_ERROR(build_stages(ctx));
    Tensor expanded, depthwise;
    const Tensor* x = ctx.input(kX);
    if (has_expand_) {
      CI_RETURN_IF_ERROR(run_stage(ctx, *stages_[0], {x, ctx.input(kWe), ctx.input(kBe), nullptr}, expanded));
      x = &expanded;
    }
    CI_RETURN_IF_ERROR(run_stage(ctx, *stages_[1], {x, ctx.input(kWd), ctx.input(kBd), nullptr}, depthwise));
    expanded = Tensor();
    std::vector<const Tensor*> in{&depthwise, ctx.input(kWp), ctx.input(kBp), ctx.input(kZ)};
    OpRunContext stage{in, ctx.outputs, ctx.pool, ctx.kernels, ctx.buffers};
    return stages_[2]->run(stage);
  }

  static Status run_stage(const OpRunContext& ctx, OpKernel& k, std::vector<const Tensor*> in, Tensor& out) {
    std::vector<Tensor> outs(1);
    OpRunContext stage{in, outs, ctx.pool, ctx.kernels, ctx.buffers};
    CI_RETURN_IF_ERROR(k.run(stage));
    out = std::move(outs[0]);
    return Status::ok();
  }

  Status build_stages(const OpRunContext& ctx) {
    for (int i = has_expand_ ? 0 : 1; i < 3; ++i) {
      const int w = i == 0 ? kWe : i == 1 ? kWd : kWp;
      const Tensor* consts[4] = {nullptr, ctx.input(static_cast<size_t>(w)), ctx.input(static_cast<size_t>(w + 1)),
                                 nullptr};
      OpBuildContext bctx{nodes_[i], opset_, consts, ctx.kernels};
      CI_ASSIGN_OR_RETURN(stages_[i], make_conv(bctx));
    }
    return Status::ok();
  }

  bool has_expand_ = false;
  int64_t cin_ = 0, ce_ = 0, cout_ = 0;
  Activation act_e_, act_d_, act_p_;
  WindowAttrs window_;
  GemmKernel gemm_;
  DepthwisePlanesFn depthwise_ = depthwise_planes_generic;
  PackedA packed_e_, packed_p_;
  std::vector<BandScratch> scratch_;
  Node nodes_[3];
  int64_t opset_ = 0;
  std::unique_ptr<OpKernel> stages_[3];
};

}  // namespace

Result<std::unique_ptr<OpKernel>> make_conv_chain(const OpBuildContext& ctx) { return ConvChainKernel::create(ctx); }

}  // namespace coreinfer::nn
