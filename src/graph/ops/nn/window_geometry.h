// Sliding-window geometry shared by Conv, ConvTranspose and the pools: kernel, strides, pads,
// dilations and auto_pad resolved against an input's spatial shape, normalised to three spatial
// dimensions (a 1-D window is 1 x 1 x W, a 2-D one 1 x H x W) so one loop nest serves all.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/status.h"
#include "graph/graph.h"
#include "graph/tensor.h"

namespace coreinfer::nn {

inline constexpr int kMaxSpatial = 3;

struct WindowGeometry {
  int spatial = 0;  // 1..3 as in the model
  int64_t in[kMaxSpatial] = {1, 1, 1};
  int64_t out[kMaxSpatial] = {1, 1, 1};
  int64_t kernel[kMaxSpatial] = {1, 1, 1};
  int64_t stride[kMaxSpatial] = {1, 1, 1};
  int64_t dilation[kMaxSpatial] = {1, 1, 1};
  int64_t pad_begin[kMaxSpatial] = {0, 0, 0};
  int64_t pad_end[kMaxSpatial] = {0, 0, 0};

  int64_t in_size() const { return in[0] * in[1] * in[2]; }
  int64_t out_size() const { return out[0] * out[1] * out[2]; }
  int64_t kernel_size() const { return kernel[0] * kernel[1] * kernel[2]; }
  Shape out_spatial() const;  // the model's spatial dims of the output
};

// The window attributes as written on the node (empty when absent).
struct WindowAttrs {
  std::vector<int64_t> kernel_shape, strides, dilations, pads;
  std::string auto_pad = "NOTSET";
  bool ceil_mode = false;
};
WindowAttrs read_window_attrs(const Attributes& attrs);

// Resolves `w` for an input whose spatial dims are `in_spatial`, with `kernel` (spatial dims);
// an error names the attribute at fault or a window larger than the padded input.
Result<WindowGeometry> resolve_window(const WindowAttrs& w, const Shape& in_spatial, const std::vector<int64_t>& kernel);

}  // namespace coreinfer::nn
