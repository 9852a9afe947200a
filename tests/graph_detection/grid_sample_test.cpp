// GridSample against a scalar double-precision reference (every mode, padding and alignment, grid
// points inside and outside [-1, 1]), hand-computed samples, identity grids; error cases.
// Tolerance: 1e-5 absolute + relative (float weights vs double reference).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "det_test_util.h"

namespace coreinfer::dettest {
namespace {

struct Config {
  std::string mode, padding;
  bool align_corners;
};

Result<Tensor> run_gs(const Tensor& x, const Tensor& grid, const Config& c) {
  OpCall call;
  call.op = "GridSample";
  call.inputs = {x, grid};
  call.attrs.set_string("mode", c.mode);
  call.attrs.set_string("padding_mode", c.padding);
  call.attrs.set_int("align_corners", c.align_corners);
  return run_op(call);
}

// Reflection as a triangle wave of period 2 * (hi - lo).
double ref_reflect(double x, double lo, double hi) {
  const double range = hi - lo;
  if (range <= 0) return lo;
  double t = std::fmod(x - lo, 2 * range);
  if (t < 0) t += 2 * range;
  if (t > range) t = 2 * range - t;
  return lo + t;
}

std::vector<float> ref_grid_sample(const Tensor& x, const Tensor& grid, const Config& c) {
  const int64_t n = x.dim(0), ch = x.dim(1), h = x.dim(2), w = x.dim(3), oh = grid.dim(1), ow = grid.dim(2);
  std::vector<float> out;
  const double lo_x = c.align_corners ? 0 : -0.5, lo_y = lo_x;
  const double hi_x = c.align_corners ? w - 1 : w - 0.5, hi_y = c.align_corners ? h - 1 : h - 0.5;
  auto pad_coord = [&](double v, double lo, double hi, int64_t size) {
    if (v >= lo && v <= hi) return v;
    if (c.padding == "border") return std::clamp(v, 0.0, double(size - 1));
    if (c.padding == "reflection") return ref_reflect(v, lo, hi);
    return v;
  };
  for (int64_t b = 0; b < n; ++b) {
    for (int64_t k = 0; k < ch; ++k) {
      const float* plane = x.data<float>() + (b * ch + k) * h * w;
      auto pixel = [&](int64_t yi, int64_t xi) -> double {
        if (c.padding == "zeros") return (yi < 0 || yi >= h || xi < 0 || xi >= w) ? 0.0 : plane[yi * w + xi];
        if (c.padding == "reflection") {
          yi = std::clamp<int64_t>(int64_t(ref_reflect(double(yi), lo_y, hi_y)), 0, h - 1);
          xi = std::clamp<int64_t>(int64_t(ref_reflect(double(xi), lo_x, hi_x)), 0, w - 1);
        }
        return plane[std::clamp<int64_t>(yi, 0, h - 1) * w + std::clamp<int64_t>(xi, 0, w - 1)];
      };
      for (int64_t i = 0; i < oh * ow; ++i) {
        const float* g = grid.data<float>() + (b * oh * ow + i) * 2;
        double gx = c.align_corners ? (g[0] + 1.0) / 2 * (w - 1) : ((g[0] + 1.0) * w - 1) / 2;
        double gy = c.align_corners ? (g[1] + 1.0) / 2 * (h - 1) : ((g[1] + 1.0) * h - 1) / 2;
        if (c.mode == "nearest") {
          gx = std::nearbyint(gx);
          gy = std::nearbyint(gy);
        }
        gx = pad_coord(gx, lo_x, hi_x, w);
        gy = pad_coord(gy, lo_y, hi_y, h);
        if (c.padding == "reflection" && !(std::isfinite(gx) && std::isfinite(gy))) {  // no defined reflection
          out.push_back(std::numeric_limits<float>::quiet_NaN());
          continue;
        }
        // Far outside, every tap is padding; the clamp keeps the integer conversions defined.
        gx = std::clamp(gx, -10.0, w + 10.0);
        gy = std::clamp(gy, -10.0, h + 10.0);
        double v = 0;
        if (c.mode == "nearest") {
          v = pixel(int64_t(gy), int64_t(gx));
        } else if (c.mode == "bilinear") {
          const double x0 = std::floor(gx), y0 = std::floor(gy), fx = gx - x0, fy = gy - y0;
          for (int dy = 0; dy < 2; ++dy)
            for (int dx = 0; dx < 2; ++dx)
              v += (dy ? fy : 1 - fy) * (dx ? fx : 1 - fx) * pixel(int64_t(y0) + dy, int64_t(x0) + dx);
        } else {
          // Keys cubic kernel with A = -0.75 evaluated at the distance of each tap.
          const auto kernel = [](double d) {
            const double a = -0.75;
            d = std::fabs(d);
            if (d <= 1) return ((a + 2) * d - (a + 3)) * d * d + 1;
            if (d < 2) return ((a * d - 5 * a) * d + 8 * a) * d - 4 * a;
            return 0.0;
          };
          const double x0 = std::floor(gx), y0 = std::floor(gy);
          for (int dy = -1; dy <= 2; ++dy)
            for (int dx = -1; dx <= 2; ++dx)
              v += kernel(gy - (y0 + dy)) * kernel(gx - (x0 + dx)) * pixel(int64_t(y0) + dy, int64_t(x0) + dx);
        }
        out.push_back(static_cast<float>(v));
      }
    }
  }
  return out;
}

std::vector<Config> all_configs() {
  std::vector<Config> configs;
  for (const char* mode : {"nearest", "bilinear", "bicubic"})
    for (const char* padding : {"zeros", "border", "reflection"})
      for (bool align : {false, true}) configs.push_back({mode, padding, align});
  return configs;
}

TEST(GridSample, MatchesReferenceForEveryModeAndPadding) {
  std::mt19937 rng(3);
  for (const auto& shape : std::vector<std::array<int64_t, 6>>{
           {1, 1, 4, 4, 6, 6}, {2, 3, 5, 7, 4, 9}, {1, 2, 1, 6, 3, 5}, {1, 1, 9, 2, 7, 3}}) {
    const Tensor x = random_tensor({shape[0], shape[1], shape[2], shape[3]}, rng, -2, 2);
    const Tensor grid = random_tensor({shape[0], shape[4], shape[5], 2}, rng, -1.7f, 1.7f);
    for (const Config& c : all_configs()) {
      auto out = run_gs(x, grid, c);
      ASSERT_TRUE(out.is_ok()) << out.status().to_string();
      EXPECT_EQ(out->shape(), (Shape{shape[0], shape[1], shape[4], shape[5]}));
      expect_close(*out, ref_grid_sample(x, grid, c), 1e-5, 1e-5,
                   c.mode + "/" + c.padding + "/" + std::to_string(c.align_corners) + " " + shape_string(x.shape()));
    }
  }
}

TEST(GridSample, FarOutsideCoordinatesArePadded) {
  // Coordinates far outside (and infinite) must not overflow index arithmetic.
  const float inf = std::numeric_limits<float>::infinity();
  std::mt19937 rng(8);
  const Tensor x = random_tensor({1, 2, 3, 4}, rng);
  const Tensor grid = Tensor::from_vector<float>({1, 1, 4, 2}, {1e30f, 0.2f, -1e30f, -3e9f, 7.5f, -11.25f, inf, 0});
  for (const Config& c : all_configs()) {
    auto out = run_gs(x, grid, c);
    ASSERT_TRUE(out.is_ok()) << out.status().to_string();
    const std::vector<float> expected = ref_grid_sample(x, grid, c);
    const std::string what = c.mode + "/" + c.padding + "/" + std::to_string(c.align_corners);
    if (c.padding != "reflection") {
      expect_close(*out, expected, 1e-5, 1e-5, what);
      continue;
    }
    // Reflecting 1e30 in float has no meaningful answer; the moderate point must match and the
    // infinite one is NaN.
    const float* o = out->data<float>();
    for (int k = 0; k < 2; ++k) {
      EXPECT_NEAR(o[k * 4 + 2], expected[k * 4 + 2], 1e-5) << what;
      EXPECT_TRUE(std::isnan(o[k * 4 + 3])) << what;
    }
  }
}

TEST(GridSample, HandComputedSamples) {
  const Tensor x = Tensor::from_vector<float>({1, 1, 2, 2}, {1, 2, 3, 4});
  const Tensor center = Tensor::from_vector<float>({1, 1, 1, 2}, {0, 0});
  // align_corners 0: grid 0 maps to pixel coordinate 0.5, the middle of the four pixels.
  auto bilinear = run_gs(x, center, {"bilinear", "zeros", false});
  ASSERT_TRUE(bilinear.is_ok());
  EXPECT_FLOAT_EQ(bilinear->data<float>()[0], 2.5f);
  // Nearest rounds half to even: 0.5 -> 0.
  auto nearest = run_gs(x, center, {"nearest", "zeros", false});
  ASSERT_TRUE(nearest.is_ok());
  EXPECT_FLOAT_EQ(nearest->data<float>()[0], 1.0f);
  // Grid (1, -1) with align_corners 0 is pixel (-0.5 row, 1.5 col): zeros pads half away; border
  // clamps to the top-right pixel.
  const Tensor corner = Tensor::from_vector<float>({1, 1, 1, 2}, {1, -1});
  auto zeros = run_gs(x, corner, {"bilinear", "zeros", false});
  auto border = run_gs(x, corner, {"bilinear", "border", false});
  ASSERT_TRUE(zeros.is_ok() && border.is_ok());
  EXPECT_FLOAT_EQ(zeros->data<float>()[0], 0.5f);
  EXPECT_FLOAT_EQ(border->data<float>()[0], 2.0f);
  // One row [10, 20, 30], align_corners 1: x = 1.5 -> 2.5 reflects to 1.5 -> 25.
  const Tensor row = Tensor::from_vector<float>({1, 1, 1, 3}, {10, 20, 30});
  auto reflected = run_gs(row, Tensor::from_vector<float>({1, 1, 1, 2}, {1.5f, 0}), {"bilinear", "reflection", true});
  ASSERT_TRUE(reflected.is_ok());
  EXPECT_FLOAT_EQ(reflected->data<float>()[0], 25.0f);
}

TEST(GridSample, IdentityGridReproducesInput) {
  std::mt19937 rng(4);
  const int64_t h = 5, w = 7;
  const Tensor x = random_tensor({2, 3, h, w}, rng);
  std::vector<float> g;
  for (int64_t b = 0; b < 2; ++b)
    for (int64_t i = 0; i < h; ++i)
      for (int64_t j = 0; j < w; ++j) g.insert(g.end(), {-1.0f + 2.0f * j / (w - 1), -1.0f + 2.0f * i / (h - 1)});
  const Tensor grid = Tensor::from_vector<float>({2, h, w, 2}, g);
  const std::vector<float> expected(x.data<float>(), x.data<float>() + x.numel());
  for (const char* mode : {"nearest", "bilinear", "bicubic"}) {
    auto out = run_gs(x, grid, {mode, "zeros", true});
    ASSERT_TRUE(out.is_ok());
    expect_close(*out, expected, 1e-5, 1e-5, mode);
  }
}

TEST(GridSample, NanGridGivesNan) {
  const Tensor x = Tensor::from_vector<float>({1, 2, 2, 2}, {1, 2, 3, 4, 5, 6, 7, 8});
  const Tensor grid = Tensor::from_vector<float>({1, 1, 1, 2}, {std::numeric_limits<float>::quiet_NaN(), 0});
  auto out = run_gs(x, grid, {"bilinear", "border", false});
  ASSERT_TRUE(out.is_ok());
  EXPECT_TRUE(std::isnan(out->data<float>()[0]));
  EXPECT_TRUE(std::isnan(out->data<float>()[1]));
}

TEST(GridSample, RejectsBadInputs) {
  const Tensor x = Tensor::from_vector<float>({1, 1, 2, 2}, {1, 2, 3, 4});
  const Config ok{"bilinear", "zeros", false};
  EXPECT_FALSE(run_gs(x, Tensor::from_vector<float>({1, 1, 1, 3}, {0, 0, 0}), ok).is_ok());
  EXPECT_FALSE(run_gs(x, Tensor::from_vector<float>({2, 1, 1, 2}, {0, 0, 0, 0}), ok).is_ok());
  EXPECT_FALSE(run_gs(x, Tensor::from_vector<float>({1, 1, 2}, {0, 0}), ok).is_ok());
  EXPECT_FALSE(run_gs(Tensor::from_vector<float>({1, 1, 1, 2, 2}, {1, 2, 3, 4}),
                      Tensor::from_vector<float>({1, 1, 1, 1, 3}, {0, 0, 0}), ok)
                   .is_ok());
  EXPECT_FALSE(
      run_gs(Tensor::from_vector<float>({1, 1, 0, 2}, {}), Tensor::from_vector<float>({1, 1, 1, 2}, {0, 0}), ok)
          .is_ok());
  EXPECT_FALSE(run_gs(x, Tensor::from_vector<double>({1, 1, 1, 2}, {0, 0}), ok).is_ok());
  auto bad_mode = run_gs(x, Tensor::from_vector<float>({1, 1, 1, 2}, {0, 0}), {"area", "zeros", false});
  ASSERT_FALSE(bad_mode.is_ok());
  EXPECT_NE(bad_mode.status().to_string().find("mode"), std::string::npos);
  EXPECT_FALSE(run_gs(x, Tensor::from_vector<float>({1, 1, 1, 2}, {0, 0}), {"bilinear", "wrap", false}).is_ok());
}

}  // namespace
}  // namespace coreinfer::dettest
