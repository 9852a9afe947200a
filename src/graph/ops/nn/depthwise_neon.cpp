// Depthwise convolution with NEON for the 3x3 windows of MobileNet-style models (stride 1 or 2,
// any padding): per output row, the columns whose three taps all lie inside the input row run 4
// outputs per vector, 16 at a time when they can (stride 2 splits the input into even and odd
// columns with vld2q), and the few columns at the row's edges one at a time. Each vector keeps
// one accumulator per kernel column, so 12 independent FMA chains hide the FMA latency; bias,
// residual and Relu/Clip (fmax/fmin: a NaN passes, as in bias_act) are applied before the single
// store, other activations over the plane afterwards. Other windows use the portable loop
// (depthwise_impl.h), which the compiler vectorises for NEON.
#if defined(__aarch64__)
#include <arm_neon.h>

#include <cmath>

#include "graph/ops/nn/depthwise.h"
#include "graph/ops/nn/depthwise_impl.h"

namespace coreinfer::nn {
namespace {

struct Plane3x3 : detail::Plane3x3Args {
  const float* w;  // the 9 weights
};

// The three taps (kw = 0, 1, 2) of 4 outputs whose windows start at r: tap kw holds
// r[kw + kStride * lane]. Reads r[0 .. 5] (stride 1) or r[0 .. 9] (stride 2).
template <int kStride>
inline void load_taps(const float* r, float32x4_t& a, float32x4_t& b, float32x4_t& c) {
  if constexpr (kStride == 1) {
    a = vld1q_f32(r);
    b = vld1q_f32(r + 1);
    c = vld1q_f32(r + 2);
  } else {
    const float32x4x2_t even_odd = vld2q_f32(r);
    a = even_odd.val[0];
    b = even_odd.val[1];
    c = vld2q_f32(r + 2).val[0];
  }
}

// The last input column the vector of outputs [ow, ow + 4) reads.
template <int kStride>
inline int64_t last_read(const Plane3x3& p, int64_t ow) {
  return ow * kStride - p.pw + (kStride == 1 ? 5 : 9);
}

inline float32x4_t finish(const Plane3x3& p, float32x4_t v, const float* residual) {
  if (residual) v = vaddq_f32(v, vld1q_f32(residual));
  if (p.clamp) v = vminq_f32(vdupq_n_f32(p.hi), vmaxq_f32(vdupq_n_f32(p.lo), v));
  return v;
}

// Outputs [ow, ow + 4 V) of one output row; rows[kh] is the input row of kernel row kh, or
// nullptr where it falls in the padding.
template <int kStride, int V>
inline void vectors(const Plane3x3& p, const float* const* rows, int64_t ow, float* out, const float* residual) {
  float32x4_t acc[V][3];
  for (int v = 0; v < V; ++v) {
    acc[v][0] = vdupq_n_f32(p.bias);
    acc[v][1] = acc[v][2] = vdupq_n_f32(0.0f);
  }
  for (int kh = 0; kh < 3; ++kh) {
    if (rows[kh] == nullptr) continue;
    for (int v = 0; v < V; ++v) {
      float32x4_t a, b, c;
      load_taps<kStride>(rows[kh] + (ow + 4 * v) * kStride - p.pw, a, b, c);
      acc[v][0] = vfmaq_n_f32(acc[v][0], a, p.w[kh * 3 + 0]);
      acc[v][1] = vfmaq_n_f32(acc[v][1], b, p.w[kh * 3 + 1]);
      acc[v][2] = vfmaq_n_f32(acc[v][2], c, p.w[kh * 3 + 2]);
    }
  }
  for (int v = 0; v < V; ++v) {
    const float32x4_t sum = vaddq_f32(vaddq_f32(acc[v][0], acc[v][1]), acc[v][2]);
    vst1q_f32(out + ow + 4 * v, finish(p, sum, residual ? residual + ow + 4 * v : nullptr));
  }
}

// One output at the row's edges: the taps inside the input, in the vectors' kernel order.
template <int kStride>
inline void one(const Plane3x3& p, const float* const* rows, int64_t ow, float* out, const float* residual) {
  float acc = p.bias;
  for (int kh = 0; kh < 3; ++kh) {
    if (rows[kh] == nullptr) continue;
    for (int kw = 0; kw < 3; ++kw) {
      const int64_t col = ow * kStride - p.pw + kw;
      if (col >= 0 && col < p.W) acc = std::fma(p.w[kh * 3 + kw], rows[kh][col], acc);
    }
  }
  if (residual) acc += residual[ow];
  if (p.clamp) {  // compares are false for NaN: it passes
    acc = acc < p.lo ? p.lo : acc;
    acc = acc > p.hi ? p.hi : acc;
  }
  out[ow] = acc;
}

template <int kStride>
void plane_3x3(const Plane3x3& p) {
  const int64_t first = (p.pw + kStride - 1) / kStride;  // the first output whose window starts inside the row
  for (int64_t oh = 0; oh < p.OH; ++oh) {
    const float* rows[3];
    for (int kh = 0; kh < 3; ++kh) {
      const int64_t ih = oh * kStride - p.ph + kh;
      rows[kh] = ih >= 0 && ih < p.H ? p.x + ih * p.W : nullptr;
    }
    float* out = p.y + oh * p.OW;
    const float* residual = p.residual ? p.residual + oh * p.OW : nullptr;
    int64_t ow = 0;
    for (; ow < first && ow < p.OW; ++ow) one<kStride>(p, rows, ow, out, residual);
    for (; ow + 16 <= p.OW && last_read<kStride>(p, ow + 12) < p.W; ow += 16)
      vectors<kStride, 4>(p, rows, ow, out, residual);
    for (; ow + 4 <= p.OW && last_read<kStride>(p, ow) < p.W; ow += 4) vectors<kStride, 1>(p, rows, ow, out, residual);
    for (; ow < p.OW; ++ow) one<kStride>(p, rows, ow, out, residual);
  }
}

void fused_plane(const WindowGeometry& g, const float* x, const float* w, const DepthwiseEpilogue& e, float* y) {
  if (!detail::is_3x3(g)) return detail::depthwise_fused(g, x, w, e, y);
  Plane3x3 p;
  static_cast<detail::Plane3x3Args&>(p) = detail::plane_3x3_args(g, x, e, y);
  p.w = w;
  if (g.stride[2] == 1) plane_3x3<1>(p);
  else plane_3x3<2>(p);
  if (e.act.kind != Activation::Kind::kNone && !p.clamp) detail::bias_act(y, g.out_size(), 0.0f, nullptr, e.act);
}

}  // namespace

void depthwise_fused_neon(const WindowGeometry& g, const float* x, const float* w, const DepthwiseEpilogue& e,
                          float* y) {
  fused_plane(g, x, w, e, y);
}

void depthwise_planes_neon(const WindowGeometry& g, const DepthwisePlanes& a, int64_t begin, int64_t end) {
  detail::for_each_plane(g, a, begin, end, fused_plane);
}

}  // namespace coreinfer::nn
#endif
