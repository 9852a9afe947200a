// Depthwise QLinearConv / ConvInteger on one (image, channel) plane, written once and compiled
// portable (depthwise.cpp) and with AVX-512 (depthwise_avx512.cpp). The zero-point-shifted input
// is held in float, split into stride phases so every tap is a contiguous run over the output
// row; with |x - xz|, |w - wz| <= 255 and at most 258 taps every partial sum is an integer
// below 2^24, so float accumulation is exact (double beyond that).
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <vector>

#include "graph/ops/quant/conv_geometry.h"
#include "graph/ops/quant/quant_util.h"

namespace coreinfer::quant {

// Elements needed by depthwise_plane's scratch for geometry g.
inline int64_t depthwise_scratch_size(const Window2d& g) {
  const int64_t hp = g.in_h + g.pad_t + g.pad_b, wp = g.in_w + g.pad_l + g.pad_r;
  const int64_t hq = (hp + g.stride_h - 1) / g.stride_h, wq = (wp + g.stride_w - 1) / g.stride_w;
  // + slack: full 64-wide chunks may read (and drop) up to 63 elements past the last plane
  return g.stride_h * g.stride_w * hq * wq + g.stride_w * wq + 2 * g.out_h * wq + g.in_h * g.in_w + 64;
}

// Internal linkage: each including file compiles its own copy with its own ISA flags.
namespace {

// 64-byte vectors of the GCC/Clang vector extension (the attribute needs a concrete type).
template <typename F>
struct Vec64;
template <>
struct Vec64<float> {
  typedef float type __attribute__((vector_size(64)));
};
template <>
struct Vec64<double> {
  typedef double type __attribute__((vector_size(64)));
};

// The padded input is split into stride phases in both dimensions, planes [sh][sw][hq][wq], so
// output (oh, ow) of tap (kh, kw) reads phase ((kh*dh) % sh, (kw*dw) % sw) at row oh + (kh*dh)/sh,
// column ow + (kw*dw)/sw: with the accumulator laid out with the same row stride wq, each tap is
// one contiguous run over the whole plane (columns past out_w are computed and dropped).
template <typename F, typename XT, typename YT>
void depthwise_plane_impl(const XT* x, int32_t x_zero, const F* w, const Window2d& geometry, int32_t bias,
                          const Requant& rq, YT* y, F* scratch) {
  // Local copies: stores through YT* (a char type) may alias anything, which would make the
  // compiler reload every bound and constant inside the loops and give up vectorising.
  const Window2d g = geometry;
  const Requant r = rq;
  const int32_t xz = x_zero, b = bias;
  const int64_t in_w = g.in_w, out_w = g.out_w, pad_l = g.pad_l;
  const int64_t hp = g.in_h + g.pad_t + g.pad_b, wp = g.in_w + g.pad_l + g.pad_r;
  const int64_t sh = g.stride_h, sw = g.stride_w;
  const int64_t hq = (hp + sh - 1) / sh, wq = (wp + sw - 1) / sw;
  const int64_t plane = hq * wq;
  F* phases = scratch;                    // [sh][sw][hq][wq]
  F* row = scratch + sh * sw * plane;     // one padded input row
  YT* packed_out = reinterpret_cast<YT*>(row + sw * wq);  // [out_h][wq], sizeof(YT) <= sizeof(F)
  F* converted = row + sw * wq + g.out_h * wq;  // the input plane minus the zero point
  {
    const XT* __restrict src = x;
    F* __restrict dst = converted;
    for (int64_t i = 0; i < g.in_h * in_w; ++i) dst[i] = static_cast<F>(static_cast<int32_t>(src[i]) - xz);
  }
  if (sh * hq != hp || sw * wq != wp)     // phase planes with a short last row / column
    std::fill(phases, phases + sh * sw * plane, F(0));
  for (int64_t h = 0; h < hp; ++h) {
    const int64_t ih = h - g.pad_t;
    F* dst_row = sw == 1 ? phases + ((h % sh) * plane) + (h / sh) * wq : row;
    if (ih < 0 || ih >= g.in_h) {
      std::fill(dst_row, dst_row + wp, F(0));
    } else {
      std::fill(dst_row, dst_row + pad_l, F(0));
      std::copy(converted + ih * in_w, converted + (ih + 1) * in_w, dst_row + pad_l);
      std::fill(dst_row + pad_l + in_w, dst_row + wp, F(0));
    }
    if (sw == 2) {  // the common case, with constant strides the compiler vectorises
      std::fill(row + wp, row + 2 * wq, F(0));
      F* __restrict even = phases + ((h % sh) * 2) * plane + (h / sh) * wq;
      F* __restrict odd = even + plane;
      const F* __restrict in = row;
      for (int64_t j = 0; j < wq; ++j) {
        even[j] = in[2 * j];
        odd[j] = in[2 * j + 1];
      }
    } else if (sw != 1) {
      for (int64_t pw = 0; pw < sw; ++pw) {
        F* __restrict dst = phases + ((h % sh) * sw + pw) * plane + (h / sh) * wq;
        int64_t j = 0;
        for (int64_t c = pw; c < wp; c += sw, ++j) dst[j] = row[c];
      }
    }
  }
  const int64_t n = (g.out_h - 1) * wq + out_w;  // the flat run covering every output
  const int64_t taps = g.k_h * g.k_w;
  std::vector<const F*> tap_src(static_cast<size_t>(taps));
  for (int64_t kh = 0; kh < g.k_h; ++kh)
    for (int64_t kw = 0; kw < g.k_w; ++kw) {
      const int64_t rr = kh * g.dil_h, cc = kw * g.dil_w;
      tap_src[kh * g.k_w + kw] = phases + ((rr % sh) * sw + cc % sw) * plane + (rr / sh) * wq + cc / sw;
    }
  // Chunks of 64 outputs accumulate over all taps in registers, then requantise.
  constexpr int64_t kChunk = 64;
  for (int64_t i0 = 0; i0 < n; i0 += kChunk) {
    F a[kChunk] = {};
    const int64_t len = std::min(kChunk, n - i0);
    {  // a full chunk even at the tail: the extra lanes read slack and are dropped
      // GCC/Clang vector extension: 64-byte vectors (zmm with AVX-512, pairs/quads of xmm without).
      using V = typename Vec64<F>::type;
      constexpr int kLanes = 64 / sizeof(F), kVecs = kChunk / kLanes;
      V va[kVecs];
      for (int v = 0; v < kVecs; ++v) va[v] = V{} + F(0);
      for (int64_t t = 0; t < taps; ++t) {
        const F* src = tap_src[t] + i0;
        const V wv = V{} + w[t];
        for (int v = 0; v < kVecs; ++v) {
          V sv;
          std::memcpy(&sv, src + v * kLanes, sizeof(V));
          va[v] += wv * sv;
        }
      }
      std::memcpy(a, va, sizeof(va));
    }
    YT* __restrict o = packed_out + i0;
    auto emit = [&](int64_t count) {
      if constexpr (sizeof(YT) == 4) {
        for (int64_t j = 0; j < count; ++j) o[j] = static_cast<int32_t>(a[j]);
      } else {
        for (int64_t j = 0; j < count; ++j) o[j] = static_cast<YT>(requantize(static_cast<int32_t>(a[j]) + b, r));
      }
    };
    if (len == kChunk) emit(kChunk);  // a constant trip count the compiler vectorises
    else emit(len);
  }
  for (int64_t oh = 0; oh < g.out_h; ++oh) std::copy(packed_out + oh * wq, packed_out + oh * wq + out_w, y + oh * out_w);
}

template <typename F, typename XT>
void depthwise_plane_typed(const XT* x, int32_t x_zero, const double* w, const Window2d& g, int32_t bias,
                           const Requant& rq, void* y, ElemType y_type, double* scratch) {
  std::vector<F> wf(static_cast<size_t>(g.kernel_size()));
  for (int64_t i = 0; i < g.kernel_size(); ++i) wf[i] = static_cast<F>(w[i]);
  F* s = reinterpret_cast<F*>(scratch);
  if (y_type == ElemType::kInt32) depthwise_plane_impl<F>(x, x_zero, wf.data(), g, bias, rq, static_cast<int32_t*>(y), s);
  else if (y_type == ElemType::kInt8) depthwise_plane_impl<F>(x, x_zero, wf.data(), g, bias, rq, static_cast<int8_t*>(y), s);
  else depthwise_plane_impl<F>(x, x_zero, wf.data(), g, bias, rq, static_cast<uint8_t*>(y), s);
}

inline void depthwise_plane_dispatch(const void* x, ElemType x_type, int32_t x_zero, const double* w, const Window2d& g,
                                     int32_t bias, const Requant& rq, void* y, ElemType y_type, double* scratch) {
  const bool wide = g.kernel_size() > 258;  // float partial sums could exceed 2^24
  if (x_type == ElemType::kInt8) {
    if (wide) depthwise_plane_typed<double>(static_cast<const int8_t*>(x), x_zero, w, g, bias, rq, y, y_type, scratch);
    else depthwise_plane_typed<float>(static_cast<const int8_t*>(x), x_zero, w, g, bias, rq, y, y_type, scratch);
  } else {
    if (wide) depthwise_plane_typed<double>(static_cast<const uint8_t*>(x), x_zero, w, g, bias, rq, y, y_type, scratch);
    else depthwise_plane_typed<float>(static_cast<const uint8_t*>(x), x_zero, w, g, bias, rq, y, y_type, scratch);
  }
}

}  // namespace

// One plane: x (uint8/int8) of g.in_h x g.in_w, w the k_h x k_w taps minus the weight zero point,
// y (uint8/int8 requantised with bias, or int32) of g.out_h x g.out_w; scratch holds
// depthwise_scratch_size(g) doubles.
using DepthwisePlaneFn = void (*)(const void* x, ElemType x_type, int32_t x_zero, const double* w, const Window2d& g,
                                  int32_t bias, const Requant& rq, void* y, ElemType y_type, double* scratch);

void depthwise_plane_portable(const void* x, ElemType x_type, int32_t x_zero, const double* w, const Window2d& g,
                              int32_t bias, const Requant& rq, void* y, ElemType y_type, double* scratch);
#if defined(__x86_64__)
void depthwise_plane_avx512(const void* x, ElemType x_type, int32_t x_zero, const double* w, const Window2d& g,
                            int32_t bias, const Requant& rq, void* y, ElemType y_type, double* scratch);
#endif
DepthwisePlaneFn best_depthwise_plane();

}  // namespace coreinfer::quant
