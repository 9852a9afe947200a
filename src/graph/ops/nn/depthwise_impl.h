// The portable depthwise bodies (one plane, the fused epilogue, a run of planes), included by each ISA's file (see depthwise.h).
#pragma once

#include <algorithm>
#include <limits>

#include "graph/ops/nn/bias_act_impl.h"
#include "graph/ops/nn/depthwise.h"
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

// A 2-D 3x3 window, stride 1 or 2 in both directions, no dilation: what the register-blocked
// kernels of the SIMD files take.
inline bool is_3x3(const WindowGeometry& g) {
  return g.kernel[0] == 1 && g.in[0] == 1 && g.out[0] == 1 && g.pad_begin[0] == 0 && g.kernel[1] == 3 &&
         g.kernel[2] == 3 && g.dilation[1] == 1 && g.dilation[2] == 1 && g.stride[1] == g.stride[2] &&
         (g.stride[2] == 1 || g.stride[2] == 2);
}

// Relu and Clip become a clamp in those kernels; other activations run over the plane afterwards.
inline bool clamps(const Activation& act) {
  return act.kind == Activation::Kind::kRelu || act.kind == Activation::Kind::kClip;
}

// A 3x3 plane call as the SIMD kernels take it, in scalars (each kernel broadcasts what it needs).
struct Plane3x3Args {
  const float* x;
  float* y;
  const float* residual;
  int64_t H, W, OH, OW, ph, pw;
  float bias, lo, hi;  // lo/hi: the clamp of Relu / Clip (unused when !clamp)
  bool clamp;
};

inline Plane3x3Args plane_3x3_args(const WindowGeometry& g, const float* x, const DepthwiseEpilogue& e, float* y) {
  const bool relu = e.act.kind == Activation::Kind::kRelu;
  return Plane3x3Args{.x = x, .y = y, .residual = e.residual,
                      .H = g.in[1], .W = g.in[2], .OH = g.out[1], .OW = g.out[2],
                      .ph = g.pad_begin[1], .pw = g.pad_begin[2],
                      .bias = e.bias,
                      .lo = relu ? 0.0f : e.act.a,
                      .hi = relu ? std::numeric_limits<float>::infinity() : e.act.b,
                      .clamp = clamps(e.act)};
}

// Residual and activation over the n outputs of a plane (the portable epilogue).
inline void epilogue(const DepthwiseEpilogue& e, float* y, int64_t n) {
  if (e.residual) {
    for (int64_t i = 0; i < n; ++i) y[i] += e.residual[i];
  }
  if (e.act.kind != Activation::Kind::kNone) bias_act(y, n, 0.0f, nullptr, e.act);
}

inline void depthwise_fused(const WindowGeometry& g, const float* x, const float* w, const DepthwiseEpilogue& e,
                            float* y) {
  depthwise_plane(g, x, w, e.bias, y);
  epilogue(e, y, g.out_size());
}

// Planes [begin, end) of a DepthwisePlanes call; plane_fn(g, x, w, epilogue, y) computes one.
template <typename PlaneFn>
void for_each_plane(const WindowGeometry& g, const DepthwisePlanes& a, int64_t begin, int64_t end, PlaneFn plane_fn) {
  const int64_t in_size = g.in_size(), out_size = g.out_size(), ks = g.kernel_size();
  for (int64_t i = begin; i < end; ++i) {
    const int64_t c = i % a.channels;
    DepthwiseEpilogue e;
    e.bias = a.bias ? a.bias[c] : 0.0f;
    e.residual = a.residual ? a.residual + i * out_size : nullptr;
    e.act = a.act;
    plane_fn(g, a.x + i * in_size, a.w + c * ks, e, a.y + i * out_size);
  }
}

}  // namespace
}  // namespace coreinfer::nn::detail
