// The depthwise plane kernels (portable, AVX-512, NEON) against a naive double reference on random
// geometries: 3x3 stride 1 "same" (the flat kernel), 3x3 stride 1/2 with any padding (the row
// blocks), other windows (the fallbacks), odd widths around the 16-lane vectors, residual and
// every fused activation. Tolerance: 1e-5 of the sum of |terms| of each output, plus 1e-6.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "graph/ops/nn/depthwise.h"
#include "kernels/kernel_table.h"

namespace coreinfer::nntest {
namespace {

using nn::WindowGeometry;

struct Case {
  int64_t in[3], kernel[3], stride[3], dilation[3], pad_begin[3], pad_end[3];
};

WindowGeometry geometry(const Case& c) {
  WindowGeometry g;
  g.spatial = 3;
  for (int d = 0; d < 3; ++d) {
    g.in[d] = c.in[d];
    g.kernel[d] = c.kernel[d];
    g.stride[d] = c.stride[d];
    g.dilation[d] = c.dilation[d];
    g.pad_begin[d] = c.pad_begin[d];
    g.pad_end[d] = c.pad_end[d];
    const int64_t span = (g.kernel[d] - 1) * g.dilation[d] + 1;
    g.out[d] = (g.in[d] + g.pad_begin[d] + g.pad_end[d] - span) / g.stride[d] + 1;
  }
  return g;
}

double activate(const Activation& act, double v) {
  switch (act.kind) {
    case Activation::Kind::kNone: return v;
    case Activation::Kind::kRelu: return std::max(v, 0.0);
    case Activation::Kind::kClip: return std::min(std::max(v, double{act.a}), double{act.b});
    case Activation::Kind::kLeakyRelu: return v >= 0 ? v : v * act.a;
    case Activation::Kind::kHardSigmoid: return std::max(0.0, std::min(1.0, act.a * v + act.b));
    case Activation::Kind::kHardSwish: return v * std::max(0.0, std::min(1.0, v / 6.0 + 0.5));
    case Activation::Kind::kSigmoid: return 1.0 / (1.0 + std::exp(-v));
    case Activation::Kind::kSilu: return v / (1.0 + std::exp(-v));
  }
  return v;
}

// Each output and the sum of |terms| it came from.
void reference(const WindowGeometry& g, const std::vector<float>& x, const std::vector<float>& w,
               const nn::DepthwiseEpilogue& e, std::vector<double>& y, std::vector<double>& scale) {
  y.assign(static_cast<size_t>(g.out_size()), 0.0);
  scale.assign(y.size(), 0.0);
  for (int64_t od = 0; od < g.out[0]; ++od)
    for (int64_t oh = 0; oh < g.out[1]; ++oh)
      for (int64_t ow = 0; ow < g.out[2]; ++ow) {
        const int64_t o = (od * g.out[1] + oh) * g.out[2] + ow;
        double sum = e.bias, mag = std::fabs(e.bias);
        for (int64_t kd = 0; kd < g.kernel[0]; ++kd)
          for (int64_t kh = 0; kh < g.kernel[1]; ++kh)
            for (int64_t kw = 0; kw < g.kernel[2]; ++kw) {
              const int64_t id = od * g.stride[0] - g.pad_begin[0] + kd * g.dilation[0];
              const int64_t ih = oh * g.stride[1] - g.pad_begin[1] + kh * g.dilation[1];
              const int64_t iw = ow * g.stride[2] - g.pad_begin[2] + kw * g.dilation[2];
              if (id < 0 || id >= g.in[0] || ih < 0 || ih >= g.in[1] || iw < 0 || iw >= g.in[2]) continue;
              const double t = double{x[static_cast<size_t>((id * g.in[1] + ih) * g.in[2] + iw)]} *
                               w[static_cast<size_t>((kd * g.kernel[1] + kh) * g.kernel[2] + kw)];
              sum += t;
              mag += std::fabs(t);
            }
        if (e.residual) {
          sum += e.residual[o];
          mag += std::fabs(e.residual[o]);
        }
        y[static_cast<size_t>(o)] = activate(e.act, sum);
        scale[static_cast<size_t>(o)] = mag;
      }
}

std::vector<float> random_vec(int64_t n, std::mt19937& rng) {
  std::uniform_real_distribution<float> d(-1.0f, 1.0f);
  std::vector<float> v(static_cast<size_t>(n));
  for (float& f : v) f = d(rng);
  return v;
}

Activation random_activation(std::mt19937& rng) {
  Activation act;
  switch (rng() % 6) {
    case 0: break;
    case 1: act.kind = Activation::Kind::kRelu; break;
    case 2: act.kind = Activation::Kind::kClip, act.a = -0.25f, act.b = 0.5f; break;
    case 3: act.kind = Activation::Kind::kLeakyRelu, act.a = 0.1f; break;
    case 4: act.kind = Activation::Kind::kHardSwish; break;
    default: act.kind = Activation::Kind::kSilu; break;
  }
  return act;
}

std::string describe(const WindowGeometry& g, const nn::DepthwiseEpilogue& e) {
  std::string s = "in";
  for (int d = 0; d < 3; ++d) s += " " + std::to_string(g.in[d]);
  s += " k";
  for (int d = 0; d < 3; ++d) s += " " + std::to_string(g.kernel[d]);
  s += " s" + std::to_string(g.stride[1]) + "," + std::to_string(g.stride[2]);
  s += " dil" + std::to_string(g.dilation[1]) + "," + std::to_string(g.dilation[2]);
  s += " pad " + std::to_string(g.pad_begin[1]) + "," + std::to_string(g.pad_begin[2]) + "," +
       std::to_string(g.pad_end[1]) + "," + std::to_string(g.pad_end[2]);
  s += " act " + std::string(activation_name(e.act.kind)) + (e.residual ? " residual" : "");
  return s;
}

// Runs `fn` on the case and compares with the reference; returns the number of outputs checked.
int64_t check(nn::DepthwiseFusedFn fn, const Case& c, std::mt19937& rng) {
  const WindowGeometry g = geometry(c);
  const std::vector<float> x = random_vec(g.in_size(), rng), w = random_vec(g.kernel_size(), rng);
  const std::vector<float> residual = random_vec(g.out_size(), rng);
  nn::DepthwiseEpilogue e;
  e.bias = std::uniform_real_distribution<float>(-1.0f, 1.0f)(rng);
  e.act = random_activation(rng);
  if (rng() % 3 == 0) e.residual = residual.data();
  std::vector<double> want, scale;
  reference(g, x, w, e, want, scale);
  const float canary = 12345.0f;
  std::vector<float> y(static_cast<size_t>(g.out_size()) + 32, canary);
  fn(g, x.data(), w.data(), e, y.data());
  const std::string what = describe(g, e);
  for (size_t i = 0; i < want.size(); ++i)
    EXPECT_NEAR(y[i], want[i], 1e-5 * scale[i] + 1e-6) << what << " at " << i;
  for (size_t i = want.size(); i < y.size(); ++i) EXPECT_EQ(y[i], canary) << what << ": wrote past the plane";
  return static_cast<int64_t>(want.size());
}

Case flat_case(int64_t h, int64_t w, int64_t k, int64_t s, int64_t dil, int64_t pb_h, int64_t pb_w, int64_t pe_h,
               int64_t pe_w) {
  return Case{{1, h, w}, {1, k, k}, {1, s, s}, {1, dil, dil}, {0, pb_h, pb_w}, {0, pe_h, pe_w}};
}

void run_all(nn::DepthwiseFusedFn fn) {
  std::mt19937 rng(7);
  int64_t checked = 0;
  // MobileNet's shapes and the widths around the 16-lane vectors.
  for (int64_t width : {1, 2, 3, 7, 14, 15, 16, 17, 18, 28, 31, 32, 33, 34, 35, 56, 112})
    for (int64_t s : {1, 2}) {
      const int64_t h = 1 + static_cast<int64_t>(rng() % 9);
      checked += check(fn, flat_case(h, width, 3, s, 1, 1, 1, 1, 1), rng);
      checked += check(fn, flat_case(width, width, 3, s, 1, 1, 1, 1, 1), rng);
    }
  // Random 2-D geometries, mostly 3x3 with strides 1 and 2.
  for (int t = 0; t < 300; ++t) {
    const bool k3 = t % 3 != 2;
    const int64_t k = k3 ? 3 : 1 + static_cast<int64_t>(rng() % 5);
    const int64_t s = 1 + static_cast<int64_t>(rng() % (k3 ? 2 : 3));
    const int64_t dil = k3 || rng() % 2 ? 1 : 2;
    const int64_t span = (k - 1) * dil + 1;
    const auto pad = [&] { return static_cast<int64_t>(rng() % 3); };
    const int64_t pb_h = pad(), pb_w = pad(), pe_h = pad(), pe_w = pad();
    const auto dim = [&](int64_t pb, int64_t pe) {
      return std::max<int64_t>(span - pb - pe, 1) + static_cast<int64_t>(rng() % 40);
    };
    const int64_t h = dim(pb_h, pe_h), w = dim(pb_w, pe_w);
    checked += check(fn, flat_case(h, w, k, s, dil, pb_h, pb_w, pe_h, pe_w), rng);
  }
  // 1-D, 3-D and non-square windows.
  checked += check(fn, Case{{1, 1, 37}, {1, 1, 3}, {1, 1, 1}, {1, 1, 2}, {0, 0, 2}, {0, 0, 2}}, rng);
  checked += check(fn, Case{{3, 9, 10}, {3, 3, 3}, {1, 1, 1}, {1, 1, 1}, {1, 1, 1}, {1, 1, 1}}, rng);
  checked += check(fn, Case{{1, 11, 23}, {1, 3, 5}, {1, 2, 2}, {1, 1, 1}, {0, 1, 2}, {0, 1, 2}}, rng);
  checked += check(fn, Case{{1, 12, 40}, {1, 3, 3}, {1, 1, 2}, {1, 1, 1}, {0, 1, 1}, {0, 1, 1}}, rng);
  EXPECT_GT(checked, 10000);
}

// The batched entry point against the per-plane reference: plane i is channel i % C of image
// i / C, with that channel's weights and bias and its own residual plane; the planes run as two
// calls split at a random plane, as two threads would.
void check_planes(nn::DepthwisePlanesFn fn, const Case& c, int64_t images, int64_t channels, std::mt19937& rng) {
  const WindowGeometry g = geometry(c);
  const int64_t planes = images * channels, in_size = g.in_size(), out_size = g.out_size(), ks = g.kernel_size();
  const std::vector<float> x = random_vec(planes * in_size, rng), w = random_vec(channels * ks, rng);
  const std::vector<float> bias = random_vec(channels, rng), residual = random_vec(planes * out_size, rng);
  nn::DepthwisePlanes a;
  a.x = x.data();
  a.w = w.data();
  a.bias = bias.data();
  a.residual = rng() % 2 ? residual.data() : nullptr;
  a.channels = channels;
  a.act = random_activation(rng);
  const float canary = 12345.0f;
  std::vector<float> y(static_cast<size_t>(planes * out_size) + 16, canary);
  a.y = y.data();
  const int64_t split = static_cast<int64_t>(rng() % static_cast<uint64_t>(planes + 1));
  fn(g, a, 0, split);
  fn(g, a, split, planes);
  for (size_t i = static_cast<size_t>(planes * out_size); i < y.size(); ++i) EXPECT_EQ(y[i], canary);
  nn::DepthwiseEpilogue e;
  e.act = a.act;
  std::vector<double> want, scale;
  for (int64_t i = 0; i < planes; ++i) {
    const int64_t ch = i % channels;
    e.bias = bias[static_cast<size_t>(ch)];
    e.residual = a.residual ? a.residual + i * out_size : nullptr;
    const std::vector<float> xp(x.begin() + i * in_size, x.begin() + (i + 1) * in_size);
    const std::vector<float> wp(w.begin() + ch * ks, w.begin() + (ch + 1) * ks);
    reference(g, xp, wp, e, want, scale);
    for (int64_t j = 0; j < out_size; ++j)
      EXPECT_NEAR(y[static_cast<size_t>(i * out_size + j)], want[static_cast<size_t>(j)],
                  1e-5 * scale[static_cast<size_t>(j)] + 1e-6)
          << describe(g, e) << " plane " << i << " at " << j;
  }
}

void run_planes(nn::DepthwisePlanesFn fn) {
  std::mt19937 rng(11);
  for (int64_t width : {3, 7, 14, 20, 56, 90})
    for (int64_t s : {1, 2}) check_planes(fn, flat_case(width, width, 3, s, 1, 1, 1, 1, 1), 2, 5, rng);
  check_planes(fn, flat_case(9, 13, 3, 1, 1, 0, 1, 2, 1), 3, 2, rng);
  check_planes(fn, flat_case(10, 11, 5, 2, 1, 2, 2, 2, 2), 1, 4, rng);
  check_planes(fn, flat_case(17, 19, 4, 1, 1, 1, 2, 2, 1), 1, 3, rng);
  check_planes(fn, Case{{3, 5, 6}, {3, 3, 3}, {1, 1, 1}, {1, 1, 1}, {1, 1, 1}, {1, 1, 1}}, 2, 3, rng);
}

TEST(DepthwiseKernel, PortablePlanes) { run_planes(nn::depthwise_planes_generic); }

#if defined(__x86_64__)
TEST(DepthwiseKernel, Avx512Planes) {
  if (!kernels::isa_supported(kernels::Isa::kAvx512)) GTEST_SKIP() << "no AVX-512 on this CPU";
  run_planes(nn::depthwise_planes_avx512);
}
#elif defined(__aarch64__)
TEST(DepthwiseKernel, NeonPlanes) { run_planes(nn::depthwise_planes_neon); }
#endif

// The level's kernel is the one convolutions get.
TEST(DepthwiseKernel, SelectedByTheKernelTable) {
  kernels::KernelTable scalar;
  ASSERT_TRUE(kernels::build_table(kernels::Isa::kScalar, &scalar));
  EXPECT_EQ(nn::select_depthwise_planes(scalar), nn::depthwise_planes_generic);
#if defined(__x86_64__)
  kernels::KernelTable avx512;
  if (kernels::build_table(kernels::Isa::kAvx512, &avx512))
    EXPECT_EQ(nn::select_depthwise_planes(avx512), nn::depthwise_planes_avx512);
#elif defined(__aarch64__)
  kernels::KernelTable neon;
  ASSERT_TRUE(kernels::build_table(kernels::Isa::kNeon, &neon));
  EXPECT_EQ(nn::select_depthwise_planes(neon), nn::depthwise_planes_neon);
#endif
}

// A NaN input stays NaN through Relu and Clip (as the unfused ops leave it), in every output
// whose window covers it, and only there.
void check_nan_propagates(nn::DepthwiseFusedFn fn) {
  for (const Activation::Kind kind : {Activation::Kind::kRelu, Activation::Kind::kClip})
    for (int64_t width : {7, 20, 56}) {
      const WindowGeometry g = geometry(flat_case(width, width, 3, 1, 1, 1, 1, 1, 1));
      std::vector<float> x(static_cast<size_t>(g.in_size()), 1.0f), w(9, 0.5f);
      const int64_t nan_row = width / 2, nan_col = width - 1;
      x[static_cast<size_t>(nan_row * width + nan_col)] = std::numeric_limits<float>::quiet_NaN();
      nn::DepthwiseEpilogue e;
      e.act.kind = kind;
      e.act.a = -1.0f, e.act.b = 2.0f;
      std::vector<float> y(static_cast<size_t>(g.out_size()));
      fn(g, x.data(), w.data(), e, y.data());
      for (int64_t r = 0; r < width; ++r)
        for (int64_t c = 0; c < width; ++c) {
          const bool covers = std::abs(r - nan_row) <= 1 && std::abs(c - nan_col) <= 1;
          EXPECT_EQ(std::isnan(y[static_cast<size_t>(r * width + c)]), covers)
              << activation_name(kind) << " width " << width << " at " << r << "," << c;
        }
    }
}

TEST(DepthwiseKernel, PortableMatchesReference) { run_all(nn::depthwise_fused_generic); }
TEST(DepthwiseKernel, PortableKeepsNaN) { check_nan_propagates(nn::depthwise_fused_generic); }

#if defined(__aarch64__)
TEST(DepthwiseKernel, NeonMatchesReference) { run_all(nn::depthwise_fused_neon); }
TEST(DepthwiseKernel, NeonKeepsNaN) { check_nan_propagates(nn::depthwise_fused_neon); }
#endif

#if defined(__x86_64__)
TEST(DepthwiseKernel, Avx512MatchesReference) {
  if (!kernels::isa_supported(kernels::Isa::kAvx512)) GTEST_SKIP() << "no AVX-512 on this CPU";
  run_all(nn::depthwise_fused_avx512);
}
TEST(DepthwiseKernel, Avx512KeepsNaN) {
  if (!kernels::isa_supported(kernels::Isa::kAvx512)) GTEST_SKIP() << "no AVX-512 on this CPU";
  check_nan_propagates(nn::depthwise_fused_avx512);
}
#endif

}  // namespace
}  // namespace coreinfer::nntest
