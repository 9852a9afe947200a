// RoiAlign (opsets 10, 16): each RoI [x1, y1, x2, y2] (scaled by spatial_scale) is divided into
// output_height x output_width bins; a bin averages (or maxes) bilinear samples on a regular
// grid of sampling_ratio^2 points (0: ceil(bin size) per axis). Bilinear weights are separable,
// so the taps of each sample row and column are computed once per RoI.
// Max mode follows ONNX Runtime and the ONNX reference: the max over samples of the largest
// weighted corner value, w_k * v_k (not of the interpolated value).
#include <algorithm>
#include <cmath>
#include <vector>

#include "graph/ops/detection/detection_ops.h"

namespace coreinfer::detection {
namespace {

// Bounds the work a malformed or unscaled RoI can ask for with adaptive sampling.
constexpr int64_t kMaxSamplesPerRoi = int64_t{1} << 24;

struct Options {
  bool max_mode = false;
  bool half_pixel = true;
  int64_t out_h = 1, out_w = 1, sampling_ratio = 0;
  float spatial_scale = 1.0f;
};

struct RoiGeometry {
  int64_t batch = 0;
  double start_y = 0, start_x = 0, bin_h = 0, bin_w = 0;
  int64_t grid_h = 0, grid_w = 0;
};

// One sample position along an axis: two source indices and their weights (both 0 outside).
struct AxisTap {
  int64_t low = 0, high = 0;
  float w_low = 0, w_high = 0;
};

AxisTap axis_tap(double v, int64_t size) {
  AxisTap t;
  if (v < -1.0 || v > static_cast<double>(size)) return t;
  v = std::max(v, 0.0);
  t.low = static_cast<int64_t>(v);
  if (t.low >= size - 1) {
    t.low = t.high = size - 1;
    v = static_cast<double>(t.low);
  } else {
    t.high = t.low + 1;
  }
  const double l = v - static_cast<double>(t.low);
  t.w_low = static_cast<float>(1.0 - l);
  t.w_high = static_cast<float>(l);
  return t;
}

// Sample taps of every bin along one axis: bins * grid entries, bin-major.
std::vector<AxisTap> axis_taps(double start, double bin, int64_t bins, int64_t grid, int64_t size) {
  std::vector<AxisTap> taps(static_cast<size_t>(bins * grid));
  for (int64_t b = 0; b < bins; ++b)
    for (int64_t g = 0; g < grid; ++g) taps[b * grid + g] = axis_tap(start + b * bin + (g + 0.5) * bin / grid, size);
  return taps;
}

Result<RoiGeometry> roi_geometry(const Options& o, const float* roi, int64_t batch, int64_t index) {
  for (int k = 0; k < 4; ++k)
    if (!std::isfinite(roi[k]))
      return invalid_argument("RoI " + std::to_string(index) + " has a non-finite coordinate");
  RoiGeometry g;
  g.batch = batch;
  const double offset = o.half_pixel ? 0.5 : 0.0, scale = o.spatial_scale;
  g.start_x = roi[0] * scale - offset;
  g.start_y = roi[1] * scale - offset;
  double roi_w = roi[2] * scale - offset - g.start_x, roi_h = roi[3] * scale - offset - g.start_y;
  if (!o.half_pixel) {  // output_half_pixel (the opset-10 behaviour) forces malformed RoIs to 1x1
    roi_w = std::max(roi_w, 1.0);
    roi_h = std::max(roi_h, 1.0);
  }
  g.bin_h = roi_h / static_cast<double>(o.out_h);
  g.bin_w = roi_w / static_cast<double>(o.out_w);
  const auto grid = [&](double bin) -> double { return o.sampling_ratio > 0 ? o.sampling_ratio : std::ceil(bin); };
  const double gh = std::max(grid(g.bin_h), 0.0), gw = std::max(grid(g.bin_w), 0.0);
  const double cap = static_cast<double>(kMaxSamplesPerRoi);
  if (gh * static_cast<double>(o.out_h) > cap || gw * static_cast<double>(o.out_w) > cap ||
      gh * gw * static_cast<double>(o.out_h * o.out_w) > cap)
    return invalid_argument("RoI " + std::to_string(index) + " needs " + std::to_string(gh) + "x" + std::to_string(gw) +
                            " samples per bin, more than supported; are the RoIs in the scale of spatial_scale?");
  g.grid_h = static_cast<int64_t>(gh);
  g.grid_w = static_cast<int64_t>(gw);
  return g;
}

Status run_roi_align(const Options& o, OpRunContext& ctx) {
  CI_ASSIGN_OR_RETURN(const Tensor* x, typed_input(ctx, 0, "X", ElemType::kFloat));
  CI_ASSIGN_OR_RETURN(const Tensor* rois, typed_input(ctx, 1, "rois", ElemType::kFloat));
  const Tensor* batch_indices = ctx.input(2);
  if (batch_indices == nullptr) return invalid_argument("input batch_indices is missing");
  if (x->rank() != 4)
    return invalid_argument("input X must have rank 4 ([N, C, H, W]), got " + shape_string(x->shape()));
  if (rois->rank() != 2 || rois->dim(1) != 4)
    return invalid_argument("input rois must have shape [num_rois, 4], got " + shape_string(rois->shape()));
  if (batch_indices->rank() != 1 || batch_indices->dim(0) != rois->dim(0))
    return invalid_argument("input batch_indices must have shape [" + std::to_string(rois->dim(0)) +
                            "] (one per RoI), got " + shape_string(batch_indices->shape()));
  auto batches = batch_indices->to_int64_vector();
  if (!batches.is_ok() || batch_indices->type() == ElemType::kBool)
    return unsupported(std::string("input batch_indices must be an integer tensor, got ") +
                       elem_type_name(batch_indices->type()));
  const int64_t n = x->dim(0), channels = x->dim(1), height = x->dim(2), width = x->dim(3), num_rois = rois->dim(0);
  std::vector<RoiGeometry> geometry(static_cast<size_t>(num_rois));
  for (int64_t r = 0; r < num_rois; ++r) {
    const int64_t b = (*batches)[r];
    if (b < 0 || b >= n)
      return out_of_range("batch_indices[" + std::to_string(r) + "] = " + std::to_string(b) + " is outside [0, " +
                          std::to_string(n) + ")");
    CI_ASSIGN_OR_RETURN(geometry[r], roi_geometry(o, rois->data<float>() + r * 4, b, r));
  }
  if (num_rois > 0 && (height < 1 || width < 1))
    return invalid_argument("input X must have non-empty spatial dimensions, got " + shape_string(x->shape()));
  CI_ASSIGN_OR_RETURN(Tensor * y, ctx.allocate_output(0, ElemType::kFloat, {num_rois, channels, o.out_h, o.out_w}));
  const float* xd = x->data<float>();
  float* yd = y->data<float>();
  const int64_t plane = height * width, bins = o.out_h * o.out_w;
  // Work items are (RoI, channel) pairs; a chunk rebuilds the taps only when its RoI changes.
  ctx.parallel_for(num_rois * channels, 1, [&](int64_t begin, int64_t end) {
    int64_t tapped_roi = -1;
    std::vector<AxisTap> ys, xs;
    for (int64_t item = begin; item < end; ++item) {
      const int64_t r = item / channels, c = item % channels;
      const RoiGeometry& g = geometry[r];
      if (r != tapped_roi) {
        ys = axis_taps(g.start_y, g.bin_h, o.out_h, g.grid_h, height);
        xs = axis_taps(g.start_x, g.bin_w, o.out_w, g.grid_w, width);
        tapped_roi = r;
      }
      const float* src = xd + (g.batch * channels + c) * plane;
      float* dst = yd + item * bins;
      const double count = static_cast<double>(std::max<int64_t>(g.grid_h * g.grid_w, 1));
      for (int64_t ph = 0; ph < o.out_h; ++ph) {
        for (int64_t pw = 0; pw < o.out_w; ++pw) {
          double sum = 0;
          float best = 0;
          bool any = false;
          for (int64_t iy = 0; iy < g.grid_h; ++iy) {
            const AxisTap& ty = ys[ph * g.grid_h + iy];
            const float* row_lo = src + ty.low * width;
            const float* row_hi = src + ty.high * width;
            for (int64_t ix = 0; ix < g.grid_w; ++ix) {
              const AxisTap& tx = xs[pw * g.grid_w + ix];
              const float v1 = ty.w_low * tx.w_low * row_lo[tx.low], v2 = ty.w_low * tx.w_high * row_lo[tx.high];
              const float v3 = ty.w_high * tx.w_low * row_hi[tx.low], v4 = ty.w_high * tx.w_high * row_hi[tx.high];
              if (o.max_mode) {
                const float v = std::max(std::max(v1, v2), std::max(v3, v4));
                best = any ? std::max(best, v) : v;
                any = true;
              } else {
                sum += static_cast<double>(v1) + v2 + v3 + v4;
              }
            }
          }
          dst[ph * o.out_w + pw] = o.max_mode ? best : static_cast<float>(sum / count);
        }
      }
    }
  });
  return Status::ok();
}

}  // namespace

Result<std::unique_ptr<OpKernel>> make_roi_align(const OpBuildContext& ctx) {
  Options o;
  const std::string mode = ctx.attrs().get_string("mode", "avg");
  if (mode != "avg" && mode != "max") return invalid_argument("attribute mode must be avg or max, got '" + mode + "'");
  o.max_mode = mode == "max";
  // Opset 10 has no coordinate_transformation_mode: its behaviour is output_half_pixel.
  const std::string ctm =
      ctx.attrs().get_string("coordinate_transformation_mode", ctx.opset >= 16 ? "half_pixel" : "output_half_pixel");
  if (ctm != "half_pixel" && ctm != "output_half_pixel")
    return invalid_argument("attribute coordinate_transformation_mode must be half_pixel or output_half_pixel, got '" +
                            ctm + "'");
  o.half_pixel = ctm == "half_pixel";
  o.out_h = ctx.attrs().get_int("output_height", 1);
  o.out_w = ctx.attrs().get_int("output_width", 1);
  constexpr int64_t kMaxOutputSide = int64_t{1} << 16;
  if (o.out_h < 1 || o.out_w < 1 || o.out_h > kMaxOutputSide || o.out_w > kMaxOutputSide)
    return invalid_argument("attributes output_height and output_width must be in [1, 65536], got " +
                            std::to_string(o.out_h) + " and " + std::to_string(o.out_w));
  o.sampling_ratio = ctx.attrs().get_int("sampling_ratio", 0);
  if (o.sampling_ratio < 0 || o.sampling_ratio > 4096)
    return invalid_argument("attribute sampling_ratio must be in [0, 4096] (0: adaptive), got " +
                            std::to_string(o.sampling_ratio));
  o.spatial_scale = ctx.attrs().get_float("spatial_scale", 1.0f);
  if (!(std::isfinite(o.spatial_scale) && o.spatial_scale > 0))
    return invalid_argument("attribute spatial_scale must be a positive finite number, got " +
                            std::to_string(o.spatial_scale));
  return make_kernel([o](OpRunContext& c) { return run_roi_align(o, c); });
}

}  // namespace coreinfer::detection
