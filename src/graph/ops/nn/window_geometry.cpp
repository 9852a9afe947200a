#include "graph/ops/nn/window_geometry.h"

#include <algorithm>

namespace coreinfer::nn {
Shape WindowGeometry::out_spatial() const {
  return Shape(out + (kMaxSpatial - spatial), out + kMaxSpatial);
}

WindowAttrs read_window_attrs(const Attributes& attrs) {
  WindowAttrs w;
  w.kernel_shape = attrs.get_ints("kernel_shape");
  w.strides = attrs.get_ints("strides");
  w.dilations = attrs.get_ints("dilations");
  w.pads = attrs.get_ints("pads");
  w.auto_pad = attrs.get_string("auto_pad", "NOTSET");
  w.ceil_mode = attrs.get_int("ceil_mode", 0) != 0;
  return w;
}

Result<WindowGeometry> resolve_window(const WindowAttrs& w, const Shape& in_spatial, const std::vector<int64_t>& kernel) {
  const int nd = static_cast<int>(in_spatial.size());
  if (nd < 1 || nd > kMaxSpatial)
    return unsupported("only 1, 2 or 3 spatial dimensions are supported, the input has " + std::to_string(nd));
  if (static_cast<int>(kernel.size()) != nd)
    return invalid_argument("kernel_shape " + shape_string(kernel) + " must have one entry per spatial dimension (" +
                            std::to_string(nd) + ")");
  const auto check_len = [&](const std::vector<int64_t>& v, size_t want, const char* name) -> Status {
    if (!v.empty() && v.size() != want)
      return invalid_argument(std::string(name) + " " + shape_string(v) + " must have " + std::to_string(want) +
                              " entries for " + std::to_string(nd) + " spatial dimensions");
    return Status::ok();
  };
  CI_RETURN_IF_ERROR(check_len(w.strides, nd, "strides"));
  CI_RETURN_IF_ERROR(check_len(w.dilations, nd, "dilations"));
  CI_RETURN_IF_ERROR(check_len(w.pads, 2 * nd, "pads"));
  if (w.auto_pad != "NOTSET" && w.auto_pad != "SAME_UPPER" && w.auto_pad != "SAME_LOWER" && w.auto_pad != "VALID")
    return invalid_argument("auto_pad '" + w.auto_pad + "' is not one of NOTSET, SAME_UPPER, SAME_LOWER, VALID");

  WindowGeometry g;
  g.spatial = nd;
  const int off = kMaxSpatial - nd;
  for (int d = 0; d < nd; ++d) {
    const int o = off + d;
    g.in[o] = in_spatial[d];
    g.kernel[o] = kernel[d];
    g.stride[o] = w.strides.empty() ? 1 : w.strides[d];
    g.dilation[o] = w.dilations.empty() ? 1 : w.dilations[d];
    if (g.kernel[o] < 1 || g.kernel[o] > (int64_t{1} << 20))
      return invalid_argument("kernel_shape " + shape_string(kernel) + " has an entry out of range");
    if (g.stride[o] < 1 || g.stride[o] > (int64_t{1} << 20))
      return invalid_argument("strides " + shape_string(w.strides) + " must be positive");
    if (g.dilation[o] < 1 || g.dilation[o] > (int64_t{1} << 20))
      return invalid_argument("dilations " + shape_string(w.dilations) + " must be positive");
    if (g.in[o] < 0) return invalid_argument("negative spatial dimension in input");
    const int64_t span = (g.kernel[o] - 1) * g.dilation[o] + 1;
    if (w.auto_pad == "SAME_UPPER" || w.auto_pad == "SAME_LOWER") {
      g.out[o] = (g.in[o] + g.stride[o] - 1) / g.stride[o];
      const int64_t total = std::max<int64_t>(0, (g.out[o] - 1) * g.stride[o] + span - g.in[o]);
      g.pad_begin[o] = w.auto_pad == "SAME_UPPER" ? total / 2 : total - total / 2;
      g.pad_end[o] = total - g.pad_begin[o];
      continue;
    }
    if (w.auto_pad == "NOTSET" && !w.pads.empty()) {
      g.pad_begin[o] = w.pads[d];
      g.pad_end[o] = w.pads[d + nd];
      if (g.pad_begin[o] < 0 || g.pad_end[o] < 0 || g.pad_begin[o] > (int64_t{1} << 20) ||
          g.pad_end[o] > (int64_t{1} << 20))
        return invalid_argument("pads " + shape_string(w.pads) + " must be non-negative");
    }
    const int64_t padded = g.in[o] + g.pad_begin[o] + g.pad_end[o];
    if (padded < span)
      return invalid_argument("the window (kernel " + shape_string(kernel) + ", dilations " +
                              shape_string(w.dilations.empty() ? std::vector<int64_t>(nd, 1) : w.dilations) +
                              ") is larger than the padded input (spatial " + shape_string(in_spatial) + ", pads " +
                              shape_string(w.pads) + ")");
    if (w.ceil_mode) {
      g.out[o] = (padded - span + g.stride[o] - 1) / g.stride[o] + 1;
      // The last window must start inside the input or the leading padding.
      if ((g.out[o] - 1) * g.stride[o] >= g.in[o] + g.pad_begin[o]) --g.out[o];
    } else {
      g.out[o] = (padded - span) / g.stride[o] + 1;
    }
  }
  return g;
}

}  // namespace coreinfer::nn
