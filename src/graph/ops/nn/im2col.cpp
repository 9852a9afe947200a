#include "graph/ops/nn/im2col.h"

#include <algorithm>
#include <cstdint>
#include <vector>

namespace coreinfer::nn {

namespace {

// 1-D / 2-D windows: each row p of the block is copied run by run, a run being the columns
// that share an output row and a panel; the valid part of a run is a (strided) copy.
void pack_rows_2d(const float* x, const WindowGeometry& g, int nr, int64_t k0, int64_t kc, int64_t n0, int64_t nc,
                  float* dst) {
  const int64_t ks = g.kernel_size(), plane = g.in_size();
  const int64_t H = g.in[1], W = g.in[2], OW = g.out[2];
  const int64_t sh = g.stride[1], sw = g.stride[2];
  const int64_t panels = (nc + nr - 1) / nr;
  for (int64_t p = 0; p < kc; ++p) {
    const int64_t kk = k0 + p;
    const int64_t c = kk / ks, r = kk % ks;
    const int64_t kw = r % g.kernel[2], kh = r / g.kernel[2];
    const int64_t off_w = kw * g.dilation[2] - g.pad_begin[2];  // iw = ow * sw + off_w
    const float* xc = x + c * plane;
    int64_t oh = n0 / OW, ow = n0 % OW;
    for (int64_t j = 0; j < nc;) {
      const int64_t in_panel = j % nr;
      const int64_t run = std::min({OW - ow, nr - in_panel, nc - j});
      float* out = dst + (j / nr) * kc * nr + p * nr + in_panel;
      const int64_t ih = oh * sh - g.pad_begin[1] + kh * g.dilation[1];
      if (ih < 0 || ih >= H) {
        std::fill(out, out + run, 0.0f);
      } else {
        const float* row = xc + ih * W;
        // Valid t: 0 <= (ow + t) * sw + off_w < W.
        const int64_t first = ow * sw + off_w;
        int64_t t_lo = first >= 0 ? 0 : (-first + sw - 1) / sw;
        int64_t t_hi = W - first <= 0 ? 0 : (W - first + sw - 1) / sw;
        t_lo = std::min(t_lo, run);
        t_hi = std::max(t_lo, std::min(t_hi, run));
        std::fill(out, out + t_lo, 0.0f);
        if (sw == 1) {
          std::copy(row + first + t_lo, row + first + t_hi, out + t_lo);
        } else {
          for (int64_t t = t_lo; t < t_hi; ++t) out[t] = row[first + t * sw];
        }
        std::fill(out + t_hi, out + run, 0.0f);
      }
      j += run;
      ow += run;
      if (ow == OW) {
        ow = 0;
        ++oh;
      }
    }
    if (nc % nr != 0) {
      float* out = dst + (panels - 1) * kc * nr + p * nr;
      std::fill(out + nc % nr, out + nr, 0.0f);
    }
  }
}

}  // namespace

void pack_im2col_block(const float* x, const WindowGeometry& g, int nr, int64_t k0, int64_t kc, int64_t n0,
                       int64_t nc, float* dst) {
  if (g.kernel[0] == 1 && g.in[0] == 1 && g.out[0] == 1 && g.pad_begin[0] == 0) {
    pack_rows_2d(x, g, nr, k0, kc, n0, nc, dst);
    return;
  }
  const int64_t panels = (nc + nr - 1) / nr;
  const int64_t cols = panels * nr;
  // Per column: the input coordinates of the window's origin (d, h, w); padding columns get a
  // coordinate that is always out of range.
  std::vector<int64_t> base(static_cast<size_t>(3 * cols));
  int64_t* bd = base.data();
  int64_t* bh = bd + cols;
  int64_t* bw = bh + cols;
  for (int64_t j = 0; j < cols; ++j) {
    if (j >= nc) {
      bd[j] = bh[j] = bw[j] = INT64_MIN / 4;
      continue;
    }
    const int64_t n = n0 + j;
    const int64_t ow = n % g.out[2], t = n / g.out[2];
    const int64_t oh = t % g.out[1], od = t / g.out[1];
    bd[j] = od * g.stride[0] - g.pad_begin[0];
    bh[j] = oh * g.stride[1] - g.pad_begin[1];
    bw[j] = ow * g.stride[2] - g.pad_begin[2];
  }
  const int64_t ks = g.kernel_size(), plane = g.in_size();
  const int64_t D = g.in[0], H = g.in[1], W = g.in[2];
  const bool flat = g.kernel[0] == 1 && D == 1 && g.pad_begin[0] == 0;  // 1-D / 2-D: no depth checks
  for (int64_t p = 0; p < kc; ++p) {
    const int64_t kk = k0 + p;
    const int64_t c = kk / ks, r = kk % ks;
    const int64_t kw = r % g.kernel[2], kh = (r / g.kernel[2]) % g.kernel[1], kd = r / (g.kernel[2] * g.kernel[1]);
    const int64_t zd = kd * g.dilation[0], zh = kh * g.dilation[1], zw = kw * g.dilation[2];
    const float* xc = x + c * plane;
    for (int64_t q = 0; q < panels; ++q) {
      float* out = dst + q * kc * nr + p * nr;
      const int64_t j0 = q * nr;
      for (int64_t jj = 0; jj < nr; ++jj) {
        const int64_t j = j0 + jj;
        const int64_t ih = bh[j] + zh, iw = bw[j] + zw;
        bool ok = static_cast<uint64_t>(ih) < static_cast<uint64_t>(H) &&
                  static_cast<uint64_t>(iw) < static_cast<uint64_t>(W);
        int64_t id = 0;
        if (!flat) {
          id = bd[j] + zd;
          ok = ok && static_cast<uint64_t>(id) < static_cast<uint64_t>(D);
        } else {
          ok = ok && j < nc;
        }
        out[jj] = ok ? xc[(id * H + ih) * W + iw] : 0.0f;
      }
    }
  }
}

}  // namespace coreinfer::nn
