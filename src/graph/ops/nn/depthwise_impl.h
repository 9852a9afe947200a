// The body of depthwise_plane_*, included by each ISA's file (see depthwise.h).
#pragma once

#include <algorithm>

#include "graph/ops/nn/window_geometry.h"

namespace coreinfer::nn::detail {
// Internal linkage: each ISA's file keeps its own copy (one inline definition shared across
// files built with different flags could run AVX-512 code on a CPU without it).
namespace {

inline void depthwise_plane(const WindowGeometry& g, const float* x, const float* w, float bias, float* y) {
  const int64_t H = g.in[1], W = g.in[2], OW = g.out[2];
  const int64_t s2 = g.stride[2], p2 = g.pad_begin[2], d2 = g.dilation[2];
  for (int64_t od = 0; od < g.out[0]; ++od) {
    for (int64_t oh = 0; oh < g.out[1]; ++oh) {
      float* orow = y + (od * g.out[1] + oh) * OW;
      for (int64_t ow = 0; ow < OW; ++ow) orow[ow] = bias;
      for (int64_t kd = 0; kd < g.kernel[0]; ++kd) {
        const int64_t id = od * g.stride[0] - g.pad_begin[0] + kd * g.dilation[0];
        if (id < 0 || id >= g.in[0]) continue;
        for (int64_t kh = 0; kh < g.kernel[1]; ++kh) {
          const int64_t ih = oh * g.stride[1] - g.pad_begin[1] + kh * g.dilation[1];
          if (ih < 0 || ih >= H) continue;
          const float* irow = x + (id * H + ih) * W;
          const float* wrow = w + (kd * g.kernel[1] + kh) * g.kernel[2];
          for (int64_t kw = 0; kw < g.kernel[2]; ++kw) {
            const float wv = wrow[kw];
            const int64_t off = kw * d2 - p2;  // iw = ow * s2 + off
            const int64_t lo = off >= 0 ? 0 : (-off + s2 - 1) / s2;
            const int64_t hi = W - 1 - off < 0 ? 0 : std::min(OW, (W - 1 - off) / s2 + 1);
            if (s2 == 1) {
              const float* src = irow + off;
              for (int64_t ow = lo; ow < hi; ++ow) orow[ow] += wv * src[ow];
            } else if (s2 == 2) {
              const float* src = irow + off;
              for (int64_t ow = lo; ow < hi; ++ow) orow[ow] += wv * src[2 * ow];
            } else {
              for (int64_t ow = lo; ow < hi; ++ow) orow[ow] += wv * irow[ow * s2 + off];
            }
          }
        }
      }
    }
  }
}

}  // namespace
}  // namespace coreinfer::nn::detail
