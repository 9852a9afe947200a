// Window geometry of a 1-D or 2-D convolution / pool (ONNX attributes, auto_pad) reduced to a
// 2-D problem (a 1-D one has height 1).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/status.h"
#include "graph/graph.h"
#include "graph/tensor.h"

namespace coreinfer::quant {

struct WindowAttrs {
  std::string auto_pad = "NOTSET";
  std::vector<int64_t> kernel_shape, strides, dilations, pads;
  bool ceil_mode = false;  // pools only
};

// Reads and range-checks the attributes (strides, dilations >= 1, pads >= 0).
Result<WindowAttrs> read_window_attrs(const Attributes& attrs);

struct Window2d {
  int64_t in_h = 1, in_w = 1, out_h = 1, out_w = 1;
  int64_t k_h = 1, k_w = 1, stride_h = 1, stride_w = 1, dil_h = 1, dil_w = 1;
  int64_t pad_t = 0, pad_l = 0, pad_b = 0, pad_r = 0;
  int64_t in_size() const { return in_h * in_w; }
  int64_t out_size() const { return out_h * out_w; }
  int64_t kernel_size() const { return k_h * k_w; }
};

// The window restricted to output rows [r0, r1): the input rows they read (from *first_in on;
// the padding rows they reach above and below kept as padding), out_h = r1 - r0.
Window2d output_rows(const Window2d& g, int64_t r0, int64_t r1, int64_t* first_in);

// Geometry for input spatial dims `in` (1 or 2 of them) and kernel dims `kernel`.
Result<Window2d> window_geometry(const WindowAttrs& a, const std::vector<int64_t>& in,
                                 const std::vector<int64_t>& kernel);

}  // namespace coreinfer::quant
