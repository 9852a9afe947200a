// NchwcMaxPool's loop, compiled per ISA (nchwc_pool_generic.cpp, nchwc_pool_avx512.cpp) so the
// 16 channels of a pixel fold in one vector where there is one. Internal linkage: each including
// file keeps its own copy built with its flags.
#pragma once

#include <cstdint>
#include <cstring>

#include "graph/ops/nn/conv_nchwc.h"

namespace coreinfer::nn {
namespace {

// Output rows [begin, end) of all blocked planes (row r: plane r / OH, output row r % OH). Taps
// fold as in MaxPool's NCHW path: the first inside the image, then a later one wins only if
// strictly greater (a NaN first tap stays).
void nchwc_max_pool_rows_impl(const WindowGeometry& g, const float* x, float* y, int64_t begin, int64_t end) {
  constexpr int B = kNchwcBlock;
  typedef float V __attribute__((vector_size(B * sizeof(float))));  // a pixel's 16 channels
  const int64_t H = g.in[1], W = g.in[2], OH = g.out[1], OW = g.out[2];
  for (int64_t r = begin; r < end; ++r) {
    const int64_t plane = r / OH, oh = r % OH;
    const float* xp = x + plane * H * W * B;
    float* out = y + r * OW * B;
    for (int64_t ow = 0; ow < OW; ++ow, out += B) {
      V best = {};  // (stays 0 only for a window wholly in the padding, which the op rejects)
      bool first = true;
      for (int64_t kh = 0; kh < g.kernel[1]; ++kh) {
        const int64_t ih = oh * g.stride[1] - g.pad_begin[1] + kh * g.dilation[1];
        if (ih < 0 || ih >= H) continue;
        for (int64_t kw = 0; kw < g.kernel[2]; ++kw) {
          const int64_t iw = ow * g.stride[2] - g.pad_begin[2] + kw * g.dilation[2];
          if (iw < 0 || iw >= W) continue;
          V v;
          std::memcpy(&v, xp + (ih * W + iw) * B, sizeof(V));
          best = first ? v : v > best ? v : best;
          first = false;
        }
      }
      std::memcpy(out, &best, sizeof(V));
    }
  }
}

}  // namespace
}  // namespace coreinfer::nn
