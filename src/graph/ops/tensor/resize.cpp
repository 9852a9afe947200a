// Resize (opset 10: scales input; 11+: roi, scales, sizes; 18: axes, keep_aspect_ratio_policy)
// and Upsample (opset 7: scales attribute; 9: scales input), which is Resize with asymmetric
// coordinates. Nearest works on any element type (by element size, through per-axis source
// maps); linear and cubic are separable, applied one axis at a time (float32/float64).
#include <algorithm>
#include <cmath>
#include <cstring>

#include "graph/ops/tensor/tensor_common.h"
#include "graph/ops/tensor/tensor_groups.h"

namespace coreinfer::tensor_ops {
namespace {

enum class Mode { kNearest, kLinear, kCubic };
enum class Coord { kHalfPixel, kHalfPixelSymmetric, kPytorchHalfPixel, kAlignCorners, kAsymmetric, kTfHalfPixelForNn, kTfCropAndResize };
enum class Nearest { kRoundPreferFloor, kRoundPreferCeil, kFloor, kCeil, kLegacy };
enum class Form { kUpsample7, kUpsample9, kResize10, kResize11 };

struct Params {
  Form form = Form::kResize11;
  Mode mode = Mode::kNearest;
  Coord coord = Coord::kHalfPixel;
  Nearest nearest = Nearest::kRoundPreferFloor;
  double cubic_a = -0.75;
  bool exclude_outside = false;
  float extrapolation = 0.0f;
  std::string aspect_policy = "stretch";
  bool has_axes = false;
  std::vector<int64_t> axes;
  std::vector<float> scales_attr;  // Upsample opset 7
};

Result<Params> parse_params(const OpBuildContext& b, bool upsample) {
  Params p;
  const Attributes& a = b.attrs();
  const int64_t opset = opset_of(b);
  p.form = upsample ? (opset < 9 ? Form::kUpsample7 : Form::kUpsample9) : (opset < 11 ? Form::kResize10 : Form::kResize11);
  std::string mode = a.get_string("mode", "nearest");
  if (mode == "nearest") p.mode = Mode::kNearest;
  else if (mode == "linear" || mode == "bilinear" || mode == "trilinear") p.mode = Mode::kLinear;
  else if (mode == "cubic" && p.form == Form::kResize11) p.mode = Mode::kCubic;
  else return invalid_argument("unsupported mode '" + mode + "'");
  if (p.form != Form::kResize11) {
    p.coord = Coord::kAsymmetric;
    p.nearest = Nearest::kLegacy;
    p.scales_attr = a.get_floats("scales");
    if (p.form == Form::kUpsample7 && !a.has("scales")) return invalid_argument("Upsample needs the attribute 'scales'");
    return p;
  }
  const std::string coord = a.get_string("coordinate_transformation_mode", "half_pixel");
  if (coord == "half_pixel") p.coord = Coord::kHalfPixel;
  else if (coord == "half_pixel_symmetric") p.coord = Coord::kHalfPixelSymmetric;
  else if (coord == "pytorch_half_pixel") p.coord = Coord::kPytorchHalfPixel;
  else if (coord == "align_corners") p.coord = Coord::kAlignCorners;
  else if (coord == "asymmetric") p.coord = Coord::kAsymmetric;
  else if (coord == "tf_half_pixel_for_nn") p.coord = Coord::kTfHalfPixelForNn;
  else if (coord == "tf_crop_and_resize") p.coord = Coord::kTfCropAndResize;
  else return invalid_argument("unsupported coordinate_transformation_mode '" + coord + "'");
  const std::string nm = a.get_string("nearest_mode", "round_prefer_floor");
  if (nm == "round_prefer_floor") p.nearest = Nearest::kRoundPreferFloor;
  else if (nm == "round_prefer_ceil") p.nearest = Nearest::kRoundPreferCeil;
  else if (nm == "floor") p.nearest = Nearest::kFloor;
  else if (nm == "ceil") p.nearest = Nearest::kCeil;
  else return invalid_argument("unsupported nearest_mode '" + nm + "'");
  p.cubic_a = a.get_float("cubic_coeff_a", -0.75f);
  p.exclude_outside = a.get_int("exclude_outside", 0) != 0;
  p.extrapolation = a.get_float("extrapolation_value", 0.0f);
  if (a.get_int("antialias", 0) != 0) return unsupported("Resize with antialias = 1 is not supported");
  p.aspect_policy = a.get_string("keep_aspect_ratio_policy", "stretch");
  if (p.aspect_policy != "stretch" && p.aspect_policy != "not_larger" && p.aspect_policy != "not_smaller")
    return invalid_argument("unsupported keep_aspect_ratio_policy '" + p.aspect_policy + "'");
  p.has_axes = a.has("axes");
  p.axes = a.get_ints("axes");
  return p;
}

// Per-axis geometry: output size, scale, roi (tf_crop_and_resize).
struct AxisPlan {
  int64_t in = 0, out = 0;
  double scale = 1.0, roi_start = 0.0, roi_end = 1.0;
};

Status plan_axes(const OpRunContext& ctx, const Params& p, const Tensor& x, std::vector<AxisPlan>* plan) {
  const int r = x.rank();
  plan->assign(r, AxisPlan{});
  for (int d = 0; d < r; ++d) (*plan)[d].in = (*plan)[d].out = x.dim(d);
  std::vector<int64_t> axes;
  if (p.has_axes) {
    CI_ASSIGN_OR_RETURN(axes, normalize_axes(p.axes, r));
  } else {
    for (int d = 0; d < r; ++d) axes.push_back(d);
  }
  const size_t na = axes.size();
  std::vector<double> scales;
  std::vector<int64_t> sizes;
  if (p.form == Form::kUpsample7) {
    for (float s : p.scales_attr) scales.push_back(s);
  } else {
    const size_t scales_at = p.form == Form::kResize11 ? 2 : 1;
    if (const Tensor* s = ctx.input(scales_at); s != nullptr && s->defined() && s->numel() > 0) {
      CI_ASSIGN_OR_RETURN(scales, s->to_double_vector());
    }
    if (p.form == Form::kResize11) {
      if (const Tensor* s = ctx.input(3); s != nullptr && s->defined() && s->numel() > 0) {
        CI_ASSIGN_OR_RETURN(sizes, index_values(*s, "sizes"));
      }
      if (p.coord == Coord::kTfCropAndResize) {
        if (const Tensor* roi = ctx.input(1); roi != nullptr && roi->defined() && roi->numel() > 0) {
          CI_ASSIGN_OR_RETURN(std::vector<double> rv, roi->to_double_vector());
          if (rv.size() != 2 * na)
            return invalid_argument("Resize: 'roi' must have " + std::to_string(2 * na) + " values, got " +
                                    std::to_string(rv.size()));
          for (size_t i = 0; i < na; ++i) {
            (*plan)[axes[i]].roi_start = rv[i];
            (*plan)[axes[i]].roi_end = rv[i + na];
          }
        }
      }
    }
  }
  if (scales.empty() == sizes.empty())
    return invalid_argument("Resize: exactly one of 'scales' and 'sizes' must be given");
  if (!scales.empty()) {
    if (scales.size() != na)
      return invalid_argument("Resize: 'scales' has " + std::to_string(scales.size()) + " values for " +
                              std::to_string(na) + " axes of input " + shape_string(x.shape()));
    for (size_t i = 0; i < na; ++i) {
      AxisPlan& ap = (*plan)[axes[i]];
      if (!(scales[i] > 0) || !(scales[i] < 1e6))
        return invalid_argument("Resize: scale " + std::to_string(scales[i]) + " must be positive");
      ap.scale = scales[i];
      const double extent = p.coord == Coord::kTfCropAndResize ? ap.roi_end - ap.roi_start : 1.0;
      ap.out = static_cast<int64_t>(std::floor(static_cast<double>(ap.in) * extent * scales[i] + 1e-9));
    }
  } else {
    if (sizes.size() != na)
      return invalid_argument("Resize: 'sizes' has " + std::to_string(sizes.size()) + " values for " +
                              std::to_string(na) + " axes of input " + shape_string(x.shape()));
    double common = 0;
    if (p.aspect_policy != "stretch") {
      common = p.aspect_policy == "not_larger" ? 1e300 : 0;
      for (size_t i = 0; i < na; ++i) {
        const double s = static_cast<double>(sizes[i]) / static_cast<double>((*plan)[axes[i]].in);
        common = p.aspect_policy == "not_larger" ? std::min(common, s) : std::max(common, s);
      }
    }
    for (size_t i = 0; i < na; ++i) {
      AxisPlan& ap = (*plan)[axes[i]];
      if (sizes[i] < 0) return invalid_argument("Resize: negative size in 'sizes' " + join_ints(sizes));
      if (p.aspect_policy != "stretch") {
        ap.scale = common;
        ap.out = static_cast<int64_t>(common * static_cast<double>(ap.in) + 0.5);
      } else {
        ap.out = sizes[i];
        ap.scale = ap.in > 0 ? static_cast<double>(sizes[i]) / static_cast<double>(ap.in) : 1.0;
      }
    }
  }
  for (const AxisPlan& ap : *plan)
    if (ap.out > 0 && ap.in == 0) return invalid_argument("Resize: cannot resize an empty axis");
  return Status::ok();
}

// Source coordinate of output index o; sets *outside for tf_crop_and_resize beyond the input.
double source_coord(const Params& p, const AxisPlan& ap, int64_t o, bool* outside) {
  const double x = static_cast<double>(o), in = static_cast<double>(ap.in);
  const double out_len = ap.scale * in;  // the reference's length_resized (not floored)
  *outside = false;
  switch (p.coord) {
    case Coord::kHalfPixel: return (x + 0.5) / ap.scale - 0.5;
    case Coord::kHalfPixelSymmetric: {
      const double adjustment = static_cast<double>(ap.out) / out_len;
      const double center = in / 2;
      const double offset = center * (1 - adjustment);
      return offset + (x + 0.5) / ap.scale - 0.5;
    }
    case Coord::kPytorchHalfPixel: return ap.out > 1 ? (x + 0.5) / ap.scale - 0.5 : 0.0;
    case Coord::kAlignCorners: return out_len == 1 ? 0.0 : x * (in - 1) / (out_len - 1);
    case Coord::kAsymmetric: return x / ap.scale;
    case Coord::kTfHalfPixelForNn: return (x + 0.5) / ap.scale;
    case Coord::kTfCropAndResize: {
      const double len = out_len;
      double c = len > 1 ? x * (ap.roi_end - ap.roi_start) * (in - 1) / (len - 1)
                         : 0.5 * (ap.roi_end - ap.roi_start) * (in - 1);
      c += ap.roi_start * (in - 1);
      *outside = c < 0 || c > in - 1;
      return c;
    }
  }
  return x;
}

int64_t nearest_index(const Params& p, const AxisPlan& ap, double c) {
  const double fl = std::floor(c);
  const double frac = c - fl;
  int64_t i = static_cast<int64_t>(fl);
  if (frac != 0) {
    switch (p.nearest) {
      case Nearest::kRoundPreferFloor: i += frac > 0.5 ? 1 : 0; break;
      case Nearest::kRoundPreferCeil: i += frac >= 0.5 ? 1 : 0; break;
      case Nearest::kFloor: break;
      case Nearest::kCeil: i += 1; break;
      case Nearest::kLegacy: i += ap.scale < 1 ? 1 : 0; break;
    }
  }
  return std::clamp<int64_t>(i, 0, ap.in - 1);
}

bool axis_is_identity(const Params& p, const AxisPlan& ap) {
  return ap.in == ap.out && ap.scale == 1.0 && p.coord != Coord::kTfCropAndResize &&
         p.coord != Coord::kTfHalfPixelForNn;
}

// Taps of one output position along one axis: first source index (may be outside, clamped when
// read) and weights.
struct Taps {
  int64_t first = 0;
  double w[4] = {0, 0, 0, 0};
};

std::vector<Taps> axis_taps(const Params& p, const AxisPlan& ap, int ntaps) {
  std::vector<Taps> taps(ap.out);
  for (int64_t o = 0; o < ap.out; ++o) {
    bool outside = false;
    const double c = source_coord(p, ap, o, &outside);
    Taps& t = taps[o];
    if (ntaps == 2) {
      const double fl = std::floor(c);
      const double ratio = c - fl;
      t.first = static_cast<int64_t>(fl);
      t.w[0] = 1 - ratio;
      t.w[1] = ratio;
    } else {
      double fl = std::floor(c);
      double ratio = c - fl;
      if (ratio == 0) {  // integer coordinates read the left neighbours with ratio 1
        fl -= 1;
        ratio = 1;
      }
      t.first = static_cast<int64_t>(fl) - 1;
      const double A = p.cubic_a;
      const double r1 = ratio + 1, r2 = 1 - ratio, r3 = 2 - ratio;
      t.w[0] = ((A * r1 - 5 * A) * r1 + 8 * A) * r1 - 4 * A;
      t.w[1] = ((A + 2) * ratio - (A + 3)) * ratio * ratio + 1;
      t.w[2] = ((A + 2) * r2 - (A + 3)) * r2 * r2 + 1;
      t.w[3] = ((A * r3 - 5 * A) * r3 + 8 * A) * r3 - 4 * A;
      if (p.exclude_outside) {
        double sum = 0;
        for (int k = 0; k < 4; ++k) {
          const int64_t i = t.first + k;
          if (i < 0 || i >= ap.in) t.w[k] = 0;
          sum += t.w[k];
        }
        if (sum != 0)
          for (double& w : t.w) w /= sum;
      }
    }
  }
  return taps;
}

// One separable pass: resizes axis `axis` of `src` (shape in_shape) into dst.
template <typename T>
void interp_pass(const OpRunContext& ctx, const T* src, T* dst, const Shape& in_shape, int axis, int64_t out_len,
                 const std::vector<Taps>& taps, int ntaps) {
  int64_t outer = 1, inner = 1;
  for (int d = 0; d < static_cast<int>(in_shape.size()); ++d) {
    if (d < axis) outer *= in_shape[d];
    if (d > axis) inner *= in_shape[d];
  }
  const int64_t in_len = in_shape[axis];
  ctx.parallel_for(outer * out_len, std::max<int64_t>(1, 8192 / std::max<int64_t>(inner, 1)), [&](int64_t b, int64_t e) {
    std::vector<double> acc(static_cast<size_t>(inner));
    for (int64_t t = b; t < e; ++t) {
      const int64_t o = t / out_len, j = t % out_len;
      std::fill(acc.begin(), acc.end(), 0.0);
      const Taps& tp = taps[j];
      for (int k = 0; k < ntaps; ++k) {
        if (tp.w[k] == 0) continue;
        const int64_t si = std::clamp<int64_t>(tp.first + k, 0, in_len - 1);
        const T* row = src + (o * in_len + si) * inner;
        for (int64_t i = 0; i < inner; ++i) acc[i] += tp.w[k] * static_cast<double>(row[i]);
      }
      T* out = dst + t * inner;
      for (int64_t i = 0; i < inner; ++i) out[i] = static_cast<T>(acc[i]);
    }
  });
}

template <typename T>
Status interpolate(OpRunContext& ctx, const Params& p, const Tensor& x, const std::vector<AxisPlan>& plan, Tensor* out) {
  const int ntaps = p.mode == Mode::kLinear ? 2 : 4;
  const int r = x.rank();
  Tensor cur = x;
  Shape shape = x.shape();
  for (int d = 0; d < r; ++d) {
    if (axis_is_identity(p, plan[d])) continue;
    Shape next_shape = shape;
    next_shape[d] = plan[d].out;
    CI_ASSIGN_OR_RETURN(Tensor next, Tensor::allocate(x.type(), next_shape));
    if (next.numel() > 0)
      interp_pass<T>(ctx, cur.data<T>(), next.data<T>(), shape, d, plan[d].out, axis_taps(p, plan[d], ntaps), ntaps);
    cur = next;
    shape = next_shape;
  }
  if (cur.bytes() > 0) std::memcpy(out->raw(), cur.raw(), cur.bytes());
  if (p.coord == Coord::kTfCropAndResize && out->numel() > 0) {
    // Any axis outside the crop makes the element the extrapolation value.
    std::vector<std::vector<bool>> outside(r);
    for (int d = 0; d < r; ++d) {
      outside[d].resize(plan[d].out);
      for (int64_t o = 0; o < plan[d].out; ++o) {
        bool f = false;
        source_coord(p, plan[d], o, &f);
        outside[d][o] = f;
      }
    }
    const Shape& os = out->shape();
    std::vector<int64_t> idx(r, 0);
    T* y = out->data<T>();
    for (int64_t i = 0; i < out->numel(); ++i) {
      bool f = false;
      for (int d = 0; d < r && !f; ++d) f = outside[d][idx[d]];
      if (f) y[i] = static_cast<T>(p.extrapolation);
      for (int d = r - 1; d >= 0; --d) {
        if (++idx[d] < os[d]) break;
        idx[d] = 0;
      }
    }
  }
  return Status::ok();
}

Status run_resize(OpRunContext& ctx, const Params& p) {
  CI_ASSIGN_OR_RETURN(const Tensor* x, required_input(ctx, 0, "X"));
  std::vector<AxisPlan> plan;
  CI_RETURN_IF_ERROR(plan_axes(ctx, p, *x, &plan));
  Shape out_shape(x->rank());
  for (int d = 0; d < x->rank(); ++d) out_shape[d] = plan[d].out;
  CI_ASSIGN_OR_RETURN(Tensor * out, ctx.allocate_output(0, x->type(), out_shape));
  if (out->numel() == 0) return Status::ok();
  if (p.mode == Mode::kNearest) {
    std::vector<std::vector<int64_t>> maps(x->rank());
    for (int d = 0; d < x->rank(); ++d) {
      const AxisPlan& ap = plan[d];
      maps[d].resize(ap.out);
      for (int64_t o = 0; o < ap.out; ++o) {
        if (axis_is_identity(p, ap)) {
          maps[d][o] = o;
          continue;
        }
        bool outside = false;
        const double c = source_coord(p, ap, o, &outside);
        maps[d][o] = outside ? -1 : nearest_index(p, ap, c);
      }
    }
    CI_ASSIGN_OR_RETURN(std::vector<std::byte> fill, scalar_bytes(x->type(), p.extrapolation));
    gather_by_dim_maps(&ctx, elem_size(x->type()), x->shape(), maps, x->raw(), out->raw(), fill.data());
    return Status::ok();
  }
  switch (x->type()) {
    case ElemType::kFloat: return interpolate<float>(ctx, p, *x, plan, out);
    case ElemType::kDouble: return interpolate<double>(ctx, p, *x, plan, out);
    default:
      return unsupported(std::string("linear and cubic Resize support float32 and float64, got ") +
                         elem_type_name(x->type()));
  }
}

OpFactory resize_factory(bool upsample) {
  return [upsample](const OpBuildContext& b) -> Result<std::unique_ptr<OpKernel>> {
    CI_ASSIGN_OR_RETURN(Params p, parse_params(b, upsample));
    return make_kernel([p](OpRunContext& ctx) { return run_resize(ctx, p); });
  };
}

}  // namespace

void register_resize_ops(OpRegistry& r) {
  r.add("", "Resize", resize_factory(false));
  r.add("", "Upsample", resize_factory(true));
}

}  // namespace coreinfer::tensor_ops
