// GridSample (opset 16, 4-D): Y[n, c, h, w] = X[n, c] sampled at grid[n, h, w] = (x, y) in
// [-1, 1], by nearest, bilinear or bicubic (A = -0.75) interpolation, with zeros, border or
// reflection padding. The grid point's taps and weights are computed once and reused for
// every channel. Opset 20 names (linear, cubic) are accepted as aliases.
#include <algorithm>
#include <cmath>
#include <limits>

#include "graph/ops/detection/detection_ops.h"

namespace coreinfer::detection {
namespace {

enum class Mode { kNearest, kBilinear, kBicubic };
enum class Padding { kZeros, kBorder, kReflection };

struct Options {
  Mode mode = Mode::kBilinear;
  Padding padding = Padding::kZeros;
  bool align_corners = false;
};

// Up to four taps along one axis: the source index (-1: a zero from the padding) and weight.
struct AxisTaps {
  int64_t index[4];
  float weight[4];
  int count = 0;
};

float denormalize(float n, int64_t size, bool align_corners) {
  const float d = static_cast<float>(size);
  return align_corners ? (n + 1) / 2 * (d - 1) : ((n + 1) * d - 1) / 2;
}

// Reflects x by the nearer border until it lies in [lo, hi].
float reflect(float x, float lo, float hi) {
  const double range = static_cast<double>(hi) - lo;
  if (range <= 0) return lo;
  if (x >= lo && x <= hi) return x;
  const bool below = x < lo;
  const double dx = below ? lo - static_cast<double>(x) : static_cast<double>(x) - hi;
  const double flips = std::floor(dx / range);
  const double r = dx - flips * range;
  const bool even = std::fmod(flips, 2.0) == 0;
  return static_cast<float>(below == even ? lo + r : hi - r);
}

class AxisSampler {
 public:
  AxisSampler(int64_t size, const Options& o) : size_(size), o_(o) {
    lo_ = o.align_corners ? 0.0f : -0.5f;
    hi_ = o.align_corners ? static_cast<float>(size - 1) : static_cast<float>(size) - 0.5f;
  }

  // The taps of a source coordinate (not NaN; the caller handles NaN). False when the padding
  // leaves no defined position (reflection of an infinite coordinate).
  bool taps(float x, AxisTaps& t) const {
    if (o_.mode == Mode::kNearest) x = std::nearbyint(x);
    if (x < lo_ || x > hi_) {
      if (o_.padding == Padding::kBorder) x = std::clamp(x, 0.0f, static_cast<float>(size_ - 1));
      if (o_.padding == Padding::kReflection) {
        if (!std::isfinite(x)) return false;
        x = reflect(x, lo_, hi_);
      }
    }
    // Far outside (zeros padding), every tap is a zero whatever its weight; clamping keeps the
    // integer conversion below defined.
    x = std::clamp(x, -8.0f, static_cast<float>(size_) + 8.0f);
    if (o_.mode == Mode::kNearest) {
      t.count = 1;
      t.index[0] = fetch_index(static_cast<int64_t>(x));
      t.weight[0] = 1.0f;
      return true;
    }
    const float x0 = std::floor(x), f = x - x0;
    const int64_t i0 = static_cast<int64_t>(x0);
    if (o_.mode == Mode::kBilinear) {
      t.count = 2;
      t.index[0] = fetch_index(i0);
      t.index[1] = fetch_index(i0 + 1);
      t.weight[0] = 1 - f;
      t.weight[1] = f;
      return true;
    }
    constexpr float a = -0.75f;
    const float u = f + 1, v = 1 - f, w = 2 - f;
    t.count = 4;
    t.weight[0] = ((a * u - 5 * a) * u + 8 * a) * u - 4 * a;
    t.weight[1] = ((a + 2) * f - (a + 3)) * f * f + 1;
    t.weight[2] = ((a + 2) * v - (a + 3)) * v * v + 1;
    t.weight[3] = ((a * w - 5 * a) * w + 8 * a) * w - 4 * a;
    for (int k = 0; k < 4; ++k) t.index[k] = fetch_index(i0 - 1 + k);
    return true;
  }

 private:
  // Where an integer tap reads under the padding mode; -1 for a zero.
  int64_t fetch_index(int64_t i) const {
    if (i >= 0 && i < size_) return i;
    if (o_.padding == Padding::kZeros) return -1;
    if (o_.padding == Padding::kBorder) return std::clamp<int64_t>(i, 0, size_ - 1);
    const auto r = static_cast<int64_t>(reflect(static_cast<float>(i), lo_, hi_));
    return std::clamp<int64_t>(r, 0, size_ - 1);
  }

  int64_t size_;
  Options o_;
  float lo_, hi_;
};

float sample(const float* plane, int64_t width, const AxisTaps& xs, const AxisTaps& ys) {
  float sum = 0;
  for (int j = 0; j < ys.count; ++j) {
    if (ys.index[j] < 0) continue;
    const float* row = plane + ys.index[j] * width;
    float row_sum = 0;
    for (int i = 0; i < xs.count; ++i)
      if (xs.index[i] >= 0) row_sum += xs.weight[i] * row[xs.index[i]];
    sum += ys.weight[j] * row_sum;
  }
  return sum;
}

Status run_grid_sample(const Options& o, OpRunContext& ctx) {
  CI_ASSIGN_OR_RETURN(const Tensor* x, typed_input(ctx, 0, "X", ElemType::kFloat));
  CI_ASSIGN_OR_RETURN(const Tensor* grid, typed_input(ctx, 1, "grid", ElemType::kFloat));
  if (x->rank() != 4) return unsupported("input X must have rank 4 ([N, C, H, W]), got " + shape_string(x->shape()));
  if (grid->rank() != 4 || grid->dim(0) != x->dim(0) || grid->dim(3) != 2)
    return invalid_argument("input grid must have shape [N, H_out, W_out, 2] with N = " + std::to_string(x->dim(0)) +
                            " (from X), got " + shape_string(grid->shape()));
  const int64_t n = x->dim(0), channels = x->dim(1), height = x->dim(2), width = x->dim(3);
  const int64_t out_h = grid->dim(1), out_w = grid->dim(2);
  if (height < 1 || width < 1)
    return invalid_argument("input X must have non-empty spatial dimensions, got " + shape_string(x->shape()));
  CI_ASSIGN_OR_RETURN(Tensor * y, ctx.allocate_output_uninitialized(0, ElemType::kFloat, {n, channels, out_h, out_w}));
  const AxisSampler along_x(width, o), along_y(height, o);
  const int64_t points = out_h * out_w, plane = height * width;
  const float* xd = x->data<float>();
  const float* gd = grid->data<float>();
  float* yd = y->data<float>();
  ctx.parallel_for(n * points, 64, [&](int64_t begin, int64_t end) {
    for (int64_t p = begin; p < end; ++p) {
      const int64_t img = p / points, at = p % points;
      const float* src = xd + img * channels * plane;
      float* dst = yd + img * channels * points + at;
      const float gx = denormalize(gd[p * 2], width, o.align_corners);
      const float gy = denormalize(gd[p * 2 + 1], height, o.align_corners);
      AxisTaps xs, ys;
      if (std::isnan(gx) || std::isnan(gy) || !along_x.taps(gx, xs) || !along_y.taps(gy, ys)) {
        for (int64_t c = 0; c < channels; ++c) dst[c * points] = std::numeric_limits<float>::quiet_NaN();
        continue;
      }
      for (int64_t c = 0; c < channels; ++c) dst[c * points] = sample(src + c * plane, width, xs, ys);
    }
  });
  return Status::ok();
}

}  // namespace

Result<std::unique_ptr<OpKernel>> make_grid_sample(const OpBuildContext& ctx) {
  Options o;
  const std::string mode = ctx.attrs().get_string("mode", "bilinear");
  if (mode == "bilinear" || mode == "linear")
    o.mode = Mode::kBilinear;
  else if (mode == "nearest")
    o.mode = Mode::kNearest;
  else if (mode == "bicubic" || mode == "cubic")
    o.mode = Mode::kBicubic;
  else
    return invalid_argument("attribute mode must be bilinear, nearest or bicubic, got '" + mode + "'");
  const std::string padding = ctx.attrs().get_string("padding_mode", "zeros");
  if (padding == "zeros")
    o.padding = Padding::kZeros;
  else if (padding == "border")
    o.padding = Padding::kBorder;
  else if (padding == "reflection")
    o.padding = Padding::kReflection;
  else
    return invalid_argument("attribute padding_mode must be zeros, border or reflection, got '" + padding + "'");
  const int64_t align = ctx.attrs().get_int("align_corners", 0);
  if (align != 0 && align != 1)
    return invalid_argument("attribute align_corners must be 0 or 1, got " + std::to_string(align));
  o.align_corners = align == 1;
  return make_kernel([o](OpRunContext& c) { return run_grid_sample(o, c); });
}

}  // namespace coreinfer::detection
