#include "graph/ops/quant/conv_geometry.h"

#include <algorithm>

namespace coreinfer::quant {

Result<WindowAttrs> read_window_attrs(const Attributes& attrs) {
  WindowAttrs a;
  a.auto_pad = attrs.get_string("auto_pad", "NOTSET");
  if (a.auto_pad.empty()) a.auto_pad = "NOTSET";
  if (a.auto_pad != "NOTSET" && a.auto_pad != "SAME_UPPER" && a.auto_pad != "SAME_LOWER" && a.auto_pad != "VALID")
    return invalid_argument("auto_pad '" + a.auto_pad + "' is not one of NOTSET, SAME_UPPER, SAME_LOWER, VALID");
  a.kernel_shape = attrs.get_ints("kernel_shape");
  a.strides = attrs.get_ints("strides");
  a.dilations = attrs.get_ints("dilations");
  a.pads = attrs.get_ints("pads");
  a.ceil_mode = attrs.get_int("ceil_mode", 0) != 0;
  for (int64_t s : a.strides)
    if (s < 1) return invalid_argument("strides must be >= 1, got " + std::to_string(s));
  for (int64_t d : a.dilations)
    if (d < 1) return invalid_argument("dilations must be >= 1, got " + std::to_string(d));
  for (int64_t p : a.pads)
    if (p < 0) return invalid_argument("pads must be >= 0, got " + std::to_string(p));
  for (int64_t k : a.kernel_shape)
    if (k < 1) return invalid_argument("kernel_shape values must be >= 1, got " + std::to_string(k));
  return a;
}

Result<Window2d> window_geometry(const WindowAttrs& a, const std::vector<int64_t>& in,
                                 const std::vector<int64_t>& kernel) {
  const size_t rank = in.size();
  if (rank < 1 || rank > 2)
    return unsupported("only 1-D and 2-D windows are supported, got " + std::to_string(rank) + " spatial dims");
  if (kernel.size() != rank)
    return invalid_argument("kernel has " + std::to_string(kernel.size()) + " spatial dims but the input has " +
                            std::to_string(rank));
  auto vec_or = [&](const std::vector<int64_t>& v, size_t n, int64_t fallback, const char* name) -> Result<std::vector<int64_t>> {
    if (v.empty()) return std::vector<int64_t>(n, fallback);
    if (v.size() != n)
      return invalid_argument(std::string(name) + " has " + std::to_string(v.size()) + " values, expected " + std::to_string(n));
    return v;
  };
  CI_ASSIGN_OR_RETURN(auto strides, vec_or(a.strides, rank, 1, "strides"));
  CI_ASSIGN_OR_RETURN(auto dil, vec_or(a.dilations, rank, 1, "dilations"));
  CI_ASSIGN_OR_RETURN(auto pads, vec_or(a.pads, 2 * rank, 0, "pads"));
  std::vector<int64_t> out(rank), pb(rank), pe(rank);
  for (size_t d = 0; d < rank; ++d) {
    const int64_t span = dil[d] * (kernel[d] - 1) + 1;
    if (a.auto_pad == "NOTSET" || a.auto_pad == "VALID") {
      pb[d] = a.auto_pad == "VALID" ? 0 : pads[d];
      pe[d] = a.auto_pad == "VALID" ? 0 : pads[d + rank];
      const int64_t avail = in[d] + pb[d] + pe[d] - span;
      if (avail < 0)
        return invalid_argument("the window (" + std::to_string(span) + " wide with dilation) is larger than the padded input (" +
                                std::to_string(in[d] + pb[d] + pe[d]) + ")");
      out[d] = (a.ceil_mode ? (avail + strides[d] - 1) / strides[d] : avail / strides[d]) + 1;
      // ceil mode: the last window must start inside the input or the begin padding
      if (a.ceil_mode && (out[d] - 1) * strides[d] >= in[d] + pb[d]) --out[d];
    } else {
      out[d] = (in[d] + strides[d] - 1) / strides[d];
      const int64_t total = std::max<int64_t>(0, (out[d] - 1) * strides[d] + span - in[d]);
      pb[d] = a.auto_pad == "SAME_UPPER" ? total / 2 : total - total / 2;
      pe[d] = total - pb[d];
    }
    if (out[d] < 1) return invalid_argument("the output would have a dimension < 1");
  }
  Window2d g;  // a 1-D window keeps the height-1 defaults
  if (rank == 2) {
    g.in_h = in[0];
    g.out_h = out[0];
    g.k_h = kernel[0];
    g.stride_h = strides[0];
    g.dil_h = dil[0];
    g.pad_t = pb[0];
    g.pad_b = pe[0];
  }
  const size_t w = rank - 1;
  g.in_w = in[w];
  g.out_w = out[w];
  g.k_w = kernel[w];
  g.stride_w = strides[w];
  g.dil_w = dil[w];
  g.pad_l = pb[w];
  g.pad_r = pe[w];
  return g;
}

Window2d output_rows(const Window2d& g, int64_t r0, int64_t r1, int64_t* first_in) {
  const int64_t span = (g.k_h - 1) * g.dil_h + 1;
  const int64_t start = r0 * g.stride_h - g.pad_t, stop = (r1 - 1) * g.stride_h - g.pad_t + span;
  const int64_t first = std::max<int64_t>(0, start), last = std::min(g.in_h, stop);
  Window2d b = g;
  b.in_h = last - first;
  b.pad_t = first - start;
  b.pad_b = stop - last;
  b.out_h = r1 - r0;
  *first_in = first;
  return b;
}

}  // namespace coreinfer::quant
