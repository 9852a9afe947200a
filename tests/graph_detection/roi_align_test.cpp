// RoiAlign against a scalar per-sample reference (avg and max, fixed and adaptive sampling, both
// coordinate transformation modes, RoIs partly outside the map) and hand-computed bins on a ramp
// image; error cases. Tolerance 1e-5 absolute + relative.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "det_test_util.h"

namespace coreinfer::dettest {
namespace {

struct Params {
  std::string mode = "avg", ctm = "half_pixel";
  int64_t out_h = 1, out_w = 1, sampling = 0;
  float scale = 1.0f;
};

Result<Tensor> run_roi(const Tensor& x, const Tensor& rois, const Tensor& batches, const Params& p,
                       int64_t opset = 16) {
  OpCall call;
  call.op = "RoiAlign";
  call.opset = opset;
  call.inputs = {x, rois, batches};
  call.attrs.set_string("mode", p.mode);
  if (opset >= 16) call.attrs.set_string("coordinate_transformation_mode", p.ctm);
  call.attrs.set_int("output_height", p.out_h);
  call.attrs.set_int("output_width", p.out_w);
  call.attrs.set_int("sampling_ratio", p.sampling);
  call.attrs.set_float("spatial_scale", p.scale);
  return run_op(call);
}

// The bilinear value of one sample, or its four weighted corners for max mode.
std::vector<double> weighted_corners(const float* plane, int64_t h, int64_t w, double y, double x) {
  if (y < -1 || y > h || x < -1 || x > w) return {0, 0, 0, 0};
  y = std::max(y, 0.0);
  x = std::max(x, 0.0);
  int64_t y0 = int64_t(y), x0 = int64_t(x), y1 = y0 + 1, x1 = x0 + 1;
  if (y0 >= h - 1) y = double(y0 = y1 = h - 1);
  if (x0 >= w - 1) x = double(x0 = x1 = w - 1);
  const double ly = y - y0, lx = x - x0;
  return {(1 - ly) * (1 - lx) * plane[y0 * w + x0], (1 - ly) * lx * plane[y0 * w + x1],
          ly * (1 - lx) * plane[y1 * w + x0], ly * lx * plane[y1 * w + x1]};
}

std::vector<float> ref_roi_align(const Tensor& x, const std::vector<float>& rois, const std::vector<int64_t>& batches,
                                 const Params& p) {
  const int64_t ch = x.dim(1), h = x.dim(2), w = x.dim(3);
  std::vector<float> out;
  const double off = p.ctm == "half_pixel" ? 0.5 : 0.0;
  for (size_t r = 0; r < batches.size(); ++r) {
    const double x1 = rois[r * 4] * double(p.scale) - off, y1 = rois[r * 4 + 1] * double(p.scale) - off;
    double rw = rois[r * 4 + 2] * double(p.scale) - off - x1, rh = rois[r * 4 + 3] * double(p.scale) - off - y1;
    if (p.ctm != "half_pixel") rw = std::max(rw, 1.0), rh = std::max(rh, 1.0);
    const double bh = rh / p.out_h, bw = rw / p.out_w;
    const int64_t gh = p.sampling > 0 ? p.sampling : int64_t(std::ceil(bh));
    const int64_t gw = p.sampling > 0 ? p.sampling : int64_t(std::ceil(bw));
    for (int64_t c = 0; c < ch; ++c) {
      const float* plane = x.data<float>() + (batches[r] * ch + c) * h * w;
      for (int64_t ph = 0; ph < p.out_h; ++ph) {
        for (int64_t pw = 0; pw < p.out_w; ++pw) {
          double sum = 0, best = -std::numeric_limits<double>::infinity();
          for (int64_t iy = 0; iy < gh; ++iy) {
            for (int64_t ix = 0; ix < gw; ++ix) {
              const auto v = weighted_corners(plane, h, w, y1 + ph * bh + (iy + 0.5) * bh / gh,
                                              x1 + pw * bw + (ix + 0.5) * bw / gw);
              sum += v[0] + v[1] + v[2] + v[3];
              best = std::max(best, *std::max_element(v.begin(), v.end()));
            }
          }
          const double count = std::max<int64_t>(gh * gw, 1);
          out.push_back(float(p.mode == "max" ? (gh * gw > 0 ? best : 0.0) : sum / count));
        }
      }
    }
  }
  return out;
}

TEST(RoiAlign, MatchesReference) {
  std::mt19937 rng(21);
  const Tensor x = random_tensor({2, 3, 11, 9}, rng, -3, 3);
  // Inside, partly outside, tiny (forced 1x1 in output_half_pixel), reversed, and spanning all.
  const std::vector<float> rois = {1, 1, 6, 7, -3, 2, 4, 15, 2.2f, 3.1f, 2.4f, 3.3f, 6, 8, 2, 1, 0, 0, 18, 22};
  const std::vector<int64_t> batches = {0, 1, 1, 0, 1};
  const Tensor rt = Tensor::from_vector<float>({5, 4}, rois), bt = Tensor::from_vector<int64_t>({5}, batches);
  for (const char* mode : {"avg", "max"}) {
    for (const char* ctm : {"half_pixel", "output_half_pixel"}) {
      for (const auto& [oh, ow, sampling, scale] : std::vector<std::tuple<int64_t, int64_t, int64_t, float>>{
               {2, 2, 2, 1.0f}, {3, 5, 0, 1.0f}, {7, 4, 1, 0.5f}, {1, 1, 0, 0.5f}}) {
        Params p{mode, ctm, oh, ow, sampling, scale};
        auto out = run_roi(x, rt, bt, p);
        ASSERT_TRUE(out.is_ok()) << out.status().to_string();
        EXPECT_EQ(out->shape(), (Shape{5, 3, oh, ow}));
        expect_close(*out, ref_roi_align(x, rois, batches, p), 1e-5, 1e-5,
                     std::string(mode) + "/" + ctm + " " + std::to_string(oh) + "x" + std::to_string(ow) + " s" +
                         std::to_string(sampling));
      }
    }
  }
}

TEST(RoiAlign, RampImageGivesBinCenters) {
  // X(y, x) = x: inside the map, the average of bilinear samples of a linear function is its
  // value at the bin centre. RoI [1, 0, 7, 4], half_pixel: x spans [0.5, 6.5], 3 bins of width 2.
  std::vector<float> ramp;
  for (int y = 0; y < 6; ++y)
    for (int x = 0; x < 8; ++x) ramp.push_back(float(x));
  const Tensor img = Tensor::from_vector<float>({1, 1, 6, 8}, ramp);
  Params p{"avg", "half_pixel", 2, 3, 2, 1.0f};
  auto out = run_roi(img, Tensor::from_vector<float>({1, 4}, {1, 0, 7, 4}), Tensor::from_vector<int64_t>({1}, {0}), p);
  ASSERT_TRUE(out.is_ok()) << out.status().to_string();
  expect_close(*out, {1.5f, 3.5f, 5.5f, 1.5f, 3.5f, 5.5f}, 0, 1e-5, "ramp half_pixel");
  // output_half_pixel (and opset 10, which has no attribute) start at 1: bin centres 2, 4, 6.
  p.ctm = "output_half_pixel";
  auto shifted =
      run_roi(img, Tensor::from_vector<float>({1, 4}, {1, 0, 7, 4}), Tensor::from_vector<int64_t>({1}, {0}), p);
  auto opset10 =
      run_roi(img, Tensor::from_vector<float>({1, 4}, {1, 0, 7, 4}), Tensor::from_vector<int64_t>({1}, {0}), p, 10);
  ASSERT_TRUE(shifted.is_ok() && opset10.is_ok());
  expect_close(*shifted, {2, 4, 6, 2, 4, 6}, 0, 1e-5, "ramp output_half_pixel");
  expect_close(*opset10, {2, 4, 6, 2, 4, 6}, 0, 1e-5, "ramp opset 10");
}

TEST(RoiAlign, RejectsBadInputs) {
  const Tensor x = Tensor::from_vector<float>({1, 1, 4, 4}, std::vector<float>(16, 1.0f));
  const Tensor roi = Tensor::from_vector<float>({1, 4}, {0, 0, 2, 2});
  const Tensor b0 = Tensor::from_vector<int64_t>({1}, {0});
  const Params p;
  auto out_of_batch = run_roi(x, roi, Tensor::from_vector<int64_t>({1}, {1}), p);
  ASSERT_FALSE(out_of_batch.is_ok());
  EXPECT_NE(out_of_batch.status().to_string().find("batch_indices[0]"), std::string::npos);
  EXPECT_FALSE(run_roi(x, roi, Tensor::from_vector<int64_t>({1}, {-1}), p).is_ok());
  EXPECT_FALSE(run_roi(x, roi, Tensor::from_vector<int64_t>({2}, {0, 0}), p).is_ok());
  EXPECT_FALSE(run_roi(x, Tensor::from_vector<float>({1, 5}, {0, 0, 2, 2, 0}), b0, p).is_ok());
  EXPECT_FALSE(run_roi(x, Tensor::from_vector<float>({1, 4}, {0, std::nanf(""), 2, 2}), b0, p).is_ok());
  EXPECT_FALSE(run_roi(Tensor::from_vector<float>({1, 4, 4}, std::vector<float>(16)), roi, b0, p).is_ok());
  // Adaptive sampling of an absurd RoI would be ~1e12 samples: refused, not attempted.
  EXPECT_FALSE(run_roi(x, Tensor::from_vector<float>({1, 4}, {0, 0, 1e6f, 1e6f}), b0, p).is_ok());
  Params bad = p;
  bad.out_h = 0;
  EXPECT_FALSE(run_roi(x, roi, b0, bad).is_ok());
  bad = p;
  bad.mode = "sum";
  EXPECT_FALSE(run_roi(x, roi, b0, bad).is_ok());
  bad = p;
  bad.ctm = "asymmetric";
  EXPECT_FALSE(run_roi(x, roi, b0, bad).is_ok());
  bad = p;
  bad.sampling = -1;
  EXPECT_FALSE(run_roi(x, roi, b0, bad).is_ok());
  bad = p;
  bad.scale = 0;
  EXPECT_FALSE(run_roi(x, roi, b0, bad).is_ok());
}

TEST(RoiAlign, NoRoisGivesEmptyOutput) {
  const Tensor x = Tensor::from_vector<float>({1, 2, 4, 4}, std::vector<float>(32, 1.0f));
  Params p{"avg", "half_pixel", 3, 3, 0, 1.0f};
  auto out = run_roi(x, Tensor::from_vector<float>({0, 4}, {}), Tensor::from_vector<int64_t>({0}, {}), p);
  ASSERT_TRUE(out.is_ok()) << out.status().to_string();
  EXPECT_EQ(out->shape(), (Shape{0, 2, 3, 3}));
}

}  // namespace
}  // namespace coreinfer::dettest
