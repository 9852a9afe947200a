// The im2col packer, compiled once per ISA (im2col_generic.cpp, im2col_avx512.cpp): everything
// here has internal linkage, so each including file gets its own copy built with its flags.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <vector>
#if defined(__AVX512F__)
#include <immintrin.h>
#endif

#include "graph/ops/nn/window_geometry.h"

namespace coreinfer::nn {
namespace {

// Copies and zero fills of a few floats (a run is at most a panel), inline: the compiler turns
// plain loops into memmove / memset calls, whose overhead outweighs such short moves. Fixed-size
// chunks, the last one overlapping the previous, cover any n without a tail loop.
template <int kChunk>
inline void copy_chunks(float* __restrict dst, const float* __restrict src, int64_t src_step, int64_t n) {
  for (int64_t i = 0; i + kChunk < n; i += kChunk) std::memcpy(dst + i, src + i * src_step, kChunk * sizeof(float));
  std::memcpy(dst + n - kChunk, src + (n - kChunk) * src_step, kChunk * sizeof(float));
}

// src_step 1: a copy; 0: src[0..16) repeated (a fill from a block of zeros).
inline void copy_short(float* __restrict dst, const float* __restrict src, int64_t n, int64_t src_step = 1) {
#if defined(__AVX512F__)
  if (n >= 16) return copy_chunks<16>(dst, src, src_step, n);
#endif
  if (n >= 8) {
    copy_chunks<8>(dst, src, src_step, n);
  } else if (n >= 4) {
    copy_chunks<4>(dst, src, src_step, n);
  } else if (n >= 2) {
    copy_chunks<2>(dst, src, src_step, n);
  } else if (n == 1) {
    dst[0] = src[0];
  }
}

inline void zero_short(float* dst, int64_t n) {
  static constexpr float kZeros[16] = {};
  copy_short(dst, kZeros, n, 0);
}

// out[t] = src[2 * t] for t < n. With AVX-512: 16 at a time from two masked loads (a masked-off
// lane never faults, so nothing past src[2 * (n - 1)] is touched) and one permute.
inline void copy_every_other(float* __restrict out, const float* __restrict src, int64_t n) {
#if defined(__AVX512F__)
  const __m512i even = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
  for (int64_t t = 0; t < n; t += 16) {
    const int64_t left = std::min<int64_t>(16, n - t), reads = 2 * left - 1;  // src[2t .. 2t + reads)
    const __mmask16 lo = reads >= 16 ? __mmask16(0xFFFF) : static_cast<__mmask16>((1u << reads) - 1);
    const __mmask16 hi = reads <= 16 ? __mmask16(0) : static_cast<__mmask16>((1u << (reads - 16)) - 1);
    const __m512 a = _mm512_maskz_loadu_ps(lo, src + 2 * t), b = _mm512_maskz_loadu_ps(hi, src + 2 * t + 16);
    const __mmask16 store = left == 16 ? __mmask16(0xFFFF) : static_cast<__mmask16>((1u << left) - 1);
    _mm512_mask_storeu_ps(out + t, store, _mm512_permutex2var_ps(a, even, b));
  }
#else
  for (int64_t t = 0; t < n; ++t) out[t] = src[2 * t];
#endif
}

// One run of a packed row: out[t] = row[first + t * stride] where that is inside [0, W), else 0.
// Runs are short (at most a panel), so plain loops beat library calls; a compile-time stride
// (1 or 2) lets the copy vectorise.
template <int kStride>
inline void pack_run(const float* __restrict row, int64_t W, int64_t first, int64_t stride, int64_t run,
                     float* __restrict out) {
  const int64_t s = kStride > 0 ? kStride : stride;
  // Valid t: 0 <= first + t * s < W.
  int64_t t_lo = first >= 0 ? 0 : (kStride == 1 ? -first : (-first + s - 1) / s);
  int64_t t_hi = W - first <= 0 ? 0 : (kStride == 1 ? W - first : (W - first + s - 1) / s);
  t_lo = std::min(t_lo, run);
  t_hi = std::max(t_lo, std::min(t_hi, run));
  zero_short(out, t_lo);
  const float* __restrict src = row + first;
  if constexpr (kStride == 1) {
    copy_short(out + t_lo, src + t_lo, t_hi - t_lo);
  } else if constexpr (kStride == 2) {
    copy_every_other(out + t_lo, src + 2 * t_lo, t_hi - t_lo);
  } else {
    for (int64_t t = t_lo; t < t_hi; ++t) out[t] = src[t * s];
  }
  zero_short(out + t_hi, run - t_hi);
}

// 1-D / 2-D windows: row kk of the block (its values at out, panels panel_stride apart) is
// copied run by run, a run being the columns that share an output row and a panel; the valid
// part of a run is a (strided) copy.
template <int kStride>
void pack_row_2d(const float* x, const WindowGeometry& g, int nr, int64_t kk, int64_t n0, int64_t nc, float* out_row,
                 int64_t panel_stride, int64_t d0) {
  const int64_t ks = g.kernel_size(), plane = g.in_size();
  const int64_t H = g.in[1], W = g.in[2], OW = g.out[2];
  const int64_t sh = g.stride[1], sw = g.stride[2];
  const int64_t c = kk / ks, r = kk % ks;
  const int64_t kw = r % g.kernel[2], kh = r / g.kernel[2];
  const int64_t off_w = kw * g.dilation[2] - g.pad_begin[2];  // iw = ow * sw + off_w
  const int64_t off_h = kh * g.dilation[1] - g.pad_begin[1];  // ih = oh * sh + off_h
  const float* xc = x + c * plane;
  int64_t oh = n0 / OW, ow = n0 % OW, in_panel = d0 % nr;
  float* panel = out_row + (d0 / nr) * panel_stride;
  for (int64_t j = 0; j < nc;) {
    const int64_t run = std::min({OW - ow, nr - in_panel, nc - j});
    float* out = panel + in_panel;
    const int64_t ih = oh * sh + off_h;
    if (ih < 0 || ih >= H) {
      zero_short(out, run);
    } else {
      pack_run<kStride>(xc + ih * W, W, ow * sw + off_w, sw, run, out);
    }
    j += run;
    ow += run;
    if (ow == OW) {
      ow = 0;
      ++oh;
    }
    in_panel += run;
    if (in_panel == nr) {
      in_panel = 0;
      panel += panel_stride;
    }
  }
}

template <int kStride>
void pack_rows_2d_stride(const float* x, const WindowGeometry& g, int nr, int64_t k0, int64_t kc, int64_t n0,
                         int64_t nc, float* dst, int64_t d0) {
  for (int64_t p = 0; p < kc; ++p) pack_row_2d<kStride>(x, g, nr, k0 + p, n0, nc, dst + p * nr, kc * nr, d0);
}

// out[t] = in[t] where mask[t] is all ones, else +0.0 (the bits ANDed: vectorises, no branch).
inline void masked_copy(float* __restrict out, const float* __restrict in, const uint32_t* __restrict mask,
                        int64_t n) {
  for (int64_t t = 0; t < n; ++t) {
    uint32_t v;
    std::memcpy(&v, in + t, sizeof(v));
    v &= mask[t];
    std::memcpy(out + t, &v, sizeof(v));
  }
}

// Stride 1 with the output as wide as the input (a "same" 2-D window): column n reads input
// position n + (kh' * W + kw') of its channel, kh' and kw' the kernel offset less the padding,
// so a row of the block is one shifted stretch of the channel, ANDed with a per-offset mask of
// the columns whose window position lies inside the image. Reads stay inside the block's
// channels; rows whose stretch would leave them take the run-by-run path.
void pack_rows_shifted(const float* x, const WindowGeometry& g, int nr, int64_t k0, int64_t kc, int64_t n0,
                       int64_t nc, float* dst, int64_t d0) {
  const int64_t ks = g.kernel_size(), plane = g.in_size(), H = g.in[1], W = g.in[2];
  const int64_t first_r = k0 / ks == (k0 + kc - 1) / ks ? k0 % ks : 0;
  const int64_t r_count = k0 / ks == (k0 + kc - 1) / ks ? (k0 + kc - 1) % ks + 1 - first_r : ks;
  std::vector<uint32_t> masks(static_cast<size_t>(r_count * nc));
  std::vector<int64_t> shift(static_cast<size_t>(r_count));
  for (int64_t ri = 0; ri < r_count; ++ri) {
    const int64_t r = first_r + ri;
    const int64_t dh = r / g.kernel[2] * g.dilation[1] - g.pad_begin[1];
    const int64_t dw = r % g.kernel[2] * g.dilation[2] - g.pad_begin[2];
    shift[static_cast<size_t>(ri)] = dh * W + dw;
    // Output row by output row: all zeros where the input row oh + dh is outside the image,
    // else ones for the columns ow with 0 <= ow + dw < W.
    uint32_t* m = masks.data() + ri * nc;
    const int64_t ow_lo = std::max<int64_t>(0, -dw), ow_hi = std::min(W, W - dw);
    for (int64_t j = 0, oh = n0 / W, ow = n0 % W; j < nc; ++oh, ow = 0) {
      const int64_t len = std::min(W - ow, nc - j);
      uint32_t* row = m + j;
      if (static_cast<uint64_t>(oh + dh) >= static_cast<uint64_t>(H) || ow_lo >= ow_hi) {
        std::fill(row, row + len, 0u);
      } else {
        const int64_t a = std::clamp(ow_lo - ow, int64_t{0}, len), b = std::clamp(ow_hi - ow, a, len);
        std::fill(row, row + a, 0u);
        std::fill(row + a, row + b, ~0u);
        std::fill(row + b, row + len, 0u);
      }
      j += len;
    }
  }
  const int64_t limit = ((k0 + kc - 1) / ks + 1) * plane;  // end of the block's last channel
  const int64_t panel_stride = kc * nr;
  for (int64_t p = 0; p < kc; ++p) {
    const int64_t kk = k0 + p, c = kk / ks, ri = kk % ks - first_r;
    const int64_t lo = c * plane + n0 + shift[static_cast<size_t>(ri)];
    if (lo < 0 || lo + nc > limit) {
      pack_row_2d<1>(x, g, nr, kk, n0, nc, dst + p * nr, panel_stride, d0);
      continue;
    }
    const float* src = x + lo;
    const uint32_t* m = masks.data() + ri * nc;
    float* out = dst + d0 / nr * panel_stride + p * nr;
    for (int64_t j = 0, lane = d0 % nr; j < nc; out += panel_stride, lane = 0) {
      const int64_t len = std::min<int64_t>(nr - lane, nc - j);
      masked_copy(out + lane, src + j, m + j, len);
      j += len;
    }
  }
}

void pack_rows_2d(const float* x, const WindowGeometry& g, int nr, int64_t k0, int64_t kc, int64_t n0, int64_t nc,
                  float* dst, int64_t d0) {
  if (g.stride[2] == 1)
    pack_rows_2d_stride<1>(x, g, nr, k0, kc, n0, nc, dst, d0);
  else if (g.stride[2] == 2)
    pack_rows_2d_stride<2>(x, g, nr, k0, kc, n0, nc, dst, d0);
  else
    pack_rows_2d_stride<0>(x, g, nr, k0, kc, n0, nc, dst, d0);
}

// 1x1 kernel, stride 1, no padding: column n is input position n, copied in runs of a panel.
void pack_pointwise(const float* x, int64_t plane, int nr, int64_t k0, int64_t kc, int64_t n0, int64_t nc,
                    float* dst, int64_t d0) {
  for (int64_t j = 0; j < nc;) {
    const int64_t in_panel = (d0 + j) % nr;
    const int64_t run = std::min<int64_t>(nr - in_panel, nc - j);
    float* out = dst + ((d0 + j) / nr) * kc * nr + in_panel;
    const float* src = x + k0 * plane + n0 + j;
    for (int64_t p = 0; p < kc; ++p) copy_short(out + p * nr, src + p * plane, run);
    j += run;
  }
}

// Any 1-3-D window, element by element.
void pack_general(const float* x, const WindowGeometry& g, int nr, int64_t k0, int64_t kc, int64_t n0, int64_t nc,
                  float* dst, int64_t d0) {
  // Per column: the input coordinates of the window's origin (d, h, w).
  std::vector<int64_t> base(static_cast<size_t>(3 * nc));
  int64_t* bd = base.data();
  int64_t* bh = bd + nc;
  int64_t* bw = bh + nc;
  for (int64_t j = 0; j < nc; ++j) {
    const int64_t n = n0 + j;
    const int64_t ow = n % g.out[2], t = n / g.out[2];
    const int64_t oh = t % g.out[1], od = t / g.out[1];
    bd[j] = od * g.stride[0] - g.pad_begin[0];
    bh[j] = oh * g.stride[1] - g.pad_begin[1];
    bw[j] = ow * g.stride[2] - g.pad_begin[2];
  }
  const int64_t ks = g.kernel_size(), plane = g.in_size();
  const int64_t D = g.in[0], H = g.in[1], W = g.in[2];
  for (int64_t p = 0; p < kc; ++p) {
    const int64_t kk = k0 + p;
    const int64_t c = kk / ks, r = kk % ks;
    const int64_t kw = r % g.kernel[2], kh = (r / g.kernel[2]) % g.kernel[1], kd = r / (g.kernel[2] * g.kernel[1]);
    const int64_t zd = kd * g.dilation[0], zh = kh * g.dilation[1], zw = kw * g.dilation[2];
    const float* xc = x + c * plane;
    for (int64_t j = 0; j < nc; ++j) {
      const int64_t id = bd[j] + zd, ih = bh[j] + zh, iw = bw[j] + zw;
      const bool ok = static_cast<uint64_t>(id) < static_cast<uint64_t>(D) &&
                      static_cast<uint64_t>(ih) < static_cast<uint64_t>(H) &&
                      static_cast<uint64_t>(iw) < static_cast<uint64_t>(W);
      dst[((d0 + j) / nr) * kc * nr + p * nr + (d0 + j) % nr] = ok ? xc[(id * H + ih) * W + iw] : 0.0f;
    }
  }
}

// Columns [n0, n0 + nc) of one image into destination columns starting at d0.
void pack_image(const float* x, const WindowGeometry& g, int nr, int64_t k0, int64_t kc, int64_t n0, int64_t nc,
                float* dst, int64_t d0) {
  bool pointwise = true;
  for (int d = 0; d < kMaxSpatial; ++d)
    pointwise = pointwise && g.kernel[d] == 1 && g.stride[d] == 1 && g.pad_begin[d] == 0 && g.pad_end[d] == 0;
  if (pointwise) {
    pack_pointwise(x, g.in_size(), nr, k0, kc, n0, nc, dst, d0);
  } else if (g.kernel[0] == 1 && g.in[0] == 1 && g.out[0] == 1 && g.pad_begin[0] == 0) {
    if (g.stride[1] == 1 && g.stride[2] == 1 && g.out[2] == g.in[2]) {
      pack_rows_shifted(x, g, nr, k0, kc, n0, nc, dst, d0);
    } else {
      pack_rows_2d(x, g, nr, k0, kc, n0, nc, dst, d0);
    }
  } else {
    pack_general(x, g, nr, k0, kc, n0, nc, dst, d0);
  }
}

void pack_im2col_impl(const float* x, int64_t image_stride, const WindowGeometry& g, int nr, int64_t k0, int64_t kc,
                      int64_t n0, int64_t nc, float* dst) {
  const int64_t per_image = g.out_size();
  for (int64_t j = 0; j < nc;) {
    const int64_t n = n0 + j;
    const int64_t image = per_image > 0 ? n / per_image : 0, pos = n - image * per_image;
    const int64_t len = std::min(nc - j, per_image - pos);
    pack_image(x + image * image_stride, g, nr, k0, kc, pos, len, dst, j);
    j += len;
  }
  if (nc % nr != 0) {
    float* last = dst + (nc / nr) * kc * nr;
    for (int64_t p = 0; p < kc; ++p) std::fill(last + p * nr + nc % nr, last + p * nr + nr, 0.0f);
  }
}

}  // namespace
}  // namespace coreinfer::nn
