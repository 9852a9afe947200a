// preprocess_image against hand-computed values and a straightforward full-image reference.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "formats/image/preprocess.h"
#include "image/image_test_util.h"

namespace coreinfer {
namespace {

PreprocessOptions raw_options() {  // no resize, no crop, no normalisation, NCHW RGB
  PreprocessOptions o;
  o.resize = ResizeMode::kNone;
  o.crop = 0;
  o.mean = {0, 0, 0};
  o.std = {1, 1, 1};
  o.scale = 1.0;
  return o;
}

// Bilinear half-pixel resize of the whole image in float64, written independently of the
// library's per-axis tables: returns the resized channel-c value at (x, y).
double reference_resized(const Image& im, int out_w, int out_h, int x, int y, int c) {
  auto coord = [](int d, int in, int out, int& i0, int& i1, double& t) {
    double s = (d + 0.5) * in / out - 0.5;
    s = std::clamp(s, 0.0, static_cast<double>(in - 1));
    i0 = static_cast<int>(std::floor(s));
    i1 = std::min(i0 + 1, in - 1);
    t = s - i0;
  };
  int x0, x1, y0, y1;
  double tx, ty;
  coord(x, im.width, out_w, x0, x1, tx);
  coord(y, im.height, out_h, y0, y1, ty);
  auto p = [&](int xx, int yy) { return static_cast<double>(im.pixel(xx, yy)[c]); };
  return (1 - ty) * ((1 - tx) * p(x0, y0) + tx * p(x1, y0)) + ty * ((1 - tx) * p(x0, y1) + tx * p(x1, y1));
}

TEST(Preprocess, NoResizeKeepsPixelsInNchwAndNhwc) {
  Image im = testing::make_pattern_image(5, 3, 3, 1);
  auto nchw = preprocess_image(im, raw_options());
  ASSERT_TRUE(nchw.is_ok()) << nchw.status().to_string();
  EXPECT_EQ(nchw->shape(), (Shape{1, 3, 3, 5}));
  PreprocessOptions o = raw_options();
  o.nchw = false;
  auto nhwc = preprocess_image(im, o);
  ASSERT_TRUE(nhwc.is_ok());
  EXPECT_EQ(nhwc->shape(), (Shape{1, 3, 5, 3}));
  for (int y = 0; y < 3; ++y) {
    for (int x = 0; x < 5; ++x) {
      for (int c = 0; c < 3; ++c) {
        EXPECT_EQ(nchw->data<float>()[(c * 3 + y) * 5 + x], im.pixel(x, y)[c]);
        EXPECT_EQ(nhwc->data<float>()[(y * 5 + x) * 3 + c], im.pixel(x, y)[c]);
      }
    }
  }
}

TEST(Preprocess, NormalisesPerChannel) {
  Image im{1, 1, 3, {0, 128, 255}};
  PreprocessOptions o = raw_options();
  o.scale = 1.0 / 255.0;
  o.mean = {0.485, 0.456, 0.406};
  o.std = {0.229, 0.224, 0.225};
  auto t = preprocess_image(im, o);
  ASSERT_TRUE(t.is_ok());
  const float* v = t->data<float>();
  EXPECT_FLOAT_EQ(v[0], static_cast<float>((0 / 255.0 - 0.485) / 0.229));
  EXPECT_FLOAT_EQ(v[1], static_cast<float>((128 / 255.0 - 0.456) / 0.224));
  EXPECT_FLOAT_EQ(v[2], static_cast<float>((255 / 255.0 - 0.406) / 0.225));
}

TEST(Preprocess, BgrSwapsChannelsAndTheirStatistics) {
  Image im{1, 1, 3, {10, 20, 30}};
  PreprocessOptions o = raw_options();
  o.color = ColorMode::kBgr;
  o.mean = {1, 2, 3};
  auto t = preprocess_image(im, o);
  ASSERT_TRUE(t.is_ok());
  EXPECT_EQ(t->data<float>()[0], 30 - 1);
  EXPECT_EQ(t->data<float>()[1], 20 - 2);
  EXPECT_EQ(t->data<float>()[2], 10 - 3);
}

TEST(Preprocess, UpsampleTwoByTwoHandComputed) {
  // 2x1 grey [0, 100] -> 4x1: src x = (d+0.5)/2 - 0.5 = -0.25 (clamped 0), 0.25, 0.75, 1.25 (clamped 1).
  Image im{2, 1, 1, {0, 100}};
  PreprocessOptions o = raw_options();
  o.color = ColorMode::kGrey;
  o.resize = ResizeMode::kExact;
  o.resize_width = 4;
  o.resize_height = 1;
  auto t = preprocess_image(im, o);
  ASSERT_TRUE(t.is_ok());
  EXPECT_EQ(t->shape(), (Shape{1, 1, 1, 4}));
  const float expected[4] = {0, 25, 75, 100};
  for (int i = 0; i < 4; ++i) EXPECT_FLOAT_EQ(t->data<float>()[i], expected[i]) << i;
}

TEST(Preprocess, DownsampleHasNoAntialiasing) {
  // 4 -> 2: src = (d+0.5)*2 - 0.5 = 0.5, 2.5: the mean of two neighbours, not of all four.
  Image im{4, 1, 1, {0, 40, 100, 200}};
  PreprocessOptions o = raw_options();
  o.color = ColorMode::kGrey;
  o.resize = ResizeMode::kExact;
  o.resize_width = 2;
  o.resize_height = 1;
  auto t = preprocess_image(im, o);
  ASSERT_TRUE(t.is_ok());
  EXPECT_FLOAT_EQ(t->data<float>()[0], 20);
  EXPECT_FLOAT_EQ(t->data<float>()[1], 150);
}

TEST(Preprocess, ShorterSideCropMatchesFullReference) {
  // Odd sizes, portrait: 37x53 -> shorter side 20 gives 20 x floor(53*20/37) = 20x28, crop 15.
  Image im = testing::make_pattern_image(37, 53, 3, 7);
  PreprocessOptions o = raw_options();
  o.resize = ResizeMode::kShorterSide;
  o.resize_shorter = 20;
  o.crop = 15;
  auto t = preprocess_image(im, o);
  ASSERT_TRUE(t.is_ok()) << t.status().to_string();
  ASSERT_EQ(t->shape(), (Shape{1, 3, 15, 15}));
  const int crop_x = (20 - 15) / 2, crop_y = (28 - 15) / 2;
  double max_abs = 0;
  for (int c = 0; c < 3; ++c) {
    for (int y = 0; y < 15; ++y) {
      for (int x = 0; x < 15; ++x) {
        const double want = reference_resized(im, 20, 28, crop_x + x, crop_y + y, c);
        max_abs = std::max(max_abs, std::fabs(t->data<float>()[(c * 15 + y) * 15 + x] - want));
      }
    }
  }
  EXPECT_LT(max_abs, 1e-4);
}

TEST(Preprocess, LandscapeShorterSideSizes) {
  // 451x300 -> 384x256 (floor(451*256/300) = 384), crop at (80, 16) as in the reference meta.json.
  Image im = testing::make_pattern_image(451, 300, 3, 3);
  PreprocessOptions o = PreprocessOptions::imagenet();
  o.crop = 0;
  auto full = preprocess_image(im, o);
  ASSERT_TRUE(full.is_ok());
  EXPECT_EQ(full->shape(), (Shape{1, 3, 256, 384}));
  auto cropped = preprocess_image(im, PreprocessOptions::imagenet());
  ASSERT_TRUE(cropped.is_ok());
  ASSERT_EQ(cropped->shape(), (Shape{1, 3, 224, 224}));
  for (int c = 0; c < 3; ++c) {
    for (int y = 0; y < 224; y += 37) {
      for (int x = 0; x < 224; x += 29) {
        EXPECT_EQ(cropped->data<float>()[(c * 224 + y) * 224 + x],
                  full->data<float>()[(c * 256 + y + 16) * 384 + x + 80]);
      }
    }
  }
}

TEST(Preprocess, CenterSquareThenResize) {
  // 7x4: square side 4 at x = floor(3/2) = 1; resize 4 -> 4 is the identity.
  Image im = testing::make_pattern_image(7, 4, 3, 11);
  PreprocessOptions o = raw_options();
  o.resize = ResizeMode::kCenterSquareThenExact;
  o.resize_width = o.resize_height = 4;
  o.nchw = false;
  auto t = preprocess_image(im, o);
  ASSERT_TRUE(t.is_ok());
  ASSERT_EQ(t->shape(), (Shape{1, 4, 4, 3}));
  for (int y = 0; y < 4; ++y) {
    for (int x = 0; x < 4; ++x) {
      for (int c = 0; c < 3; ++c) EXPECT_EQ(t->data<float>()[(y * 4 + x) * 3 + c], im.pixel(x + 1, y)[c]);
    }
  }
}

TEST(Preprocess, GreyModeUsesLumaAndReplicatesForRgb) {
  Image rgb{1, 1, 3, {200, 100, 50}};
  PreprocessOptions o = raw_options();
  o.color = ColorMode::kGrey;
  auto grey = preprocess_image(rgb, o);
  ASSERT_TRUE(grey.is_ok());
  EXPECT_EQ(grey->shape(), (Shape{1, 1, 1, 1}));
  EXPECT_EQ(grey->data<float>()[0], (19595 * 200 + 38470 * 100 + 7471 * 50 + 32768) >> 16);

  Image g{1, 1, 1, {77}};
  auto t = preprocess_image(g, raw_options());
  ASSERT_TRUE(t.is_ok());
  EXPECT_EQ(t->shape(), (Shape{1, 3, 1, 1}));
  for (int c = 0; c < 3; ++c) EXPECT_EQ(t->data<float>()[c], 77);

  Image rgba{1, 1, 4, {1, 2, 3, 0}};  // alpha 0 is dropped, not composited
  auto u = preprocess_image(rgba, raw_options());
  ASSERT_TRUE(u.is_ok());
  EXPECT_EQ(u->data<float>()[0], 1);
  EXPECT_EQ(u->data<float>()[2], 3);
}

TEST(Preprocess, RegionFixedHeightRoundingAndPadding) {
  // Region 6x2 of a 10x4 grey image, height -> 4, width ceil(4 * 6/2) = 12 capped at 10, pad to 16.
  Image im = testing::make_pattern_image(10, 4, 1, 5);
  PreprocessOptions o = raw_options();
  o.color = ColorMode::kGrey;
  o.region_x = 3, o.region_y = 1, o.region_width = 6, o.region_height = 2;
  o.resize = ResizeMode::kFixedHeight;
  o.resize_height = 4;
  o.resize_width = 10;
  o.round_resized_to_uint8 = true;
  o.pad_width = 16;
  o.pad_value = -1.0f;
  auto t = preprocess_image(im, o);
  ASSERT_TRUE(t.is_ok()) << t.status().to_string();
  ASSERT_EQ(t->shape(), (Shape{1, 1, 4, 16}));
  auto region = crop_image(im, 3, 1, 6, 2);
  ASSERT_TRUE(region.is_ok());
  for (int y = 0; y < 4; ++y) {
    for (int x = 0; x < 16; ++x) {
      const float v = t->data<float>()[y * 16 + x];
      if (x >= 10) {
        EXPECT_EQ(v, -1.0f);
      } else {
        // An integer within 0.5 of the exact value (exact .5 ties may go either way with the
        // evaluation order).
        const double exact = reference_resized(*region, 10, 4, x, y, 0);
        EXPECT_EQ(v, std::floor(v)) << x << "," << y;
        EXPECT_LE(std::fabs(v - exact), 0.5 + 1e-9) << x << "," << y;
      }
    }
  }
}

TEST(Preprocess, CropAndRotateHelpers) {
  Image im = testing::make_pattern_image(4, 3, 2, 9);
  auto c = crop_image(im, 1, 1, 2, 2);
  ASSERT_TRUE(c.is_ok());
  EXPECT_EQ(c->pixel(1, 1)[1], im.pixel(2, 2)[1]);
  EXPECT_FALSE(crop_image(im, 3, 0, 2, 1).is_ok());
  EXPECT_FALSE(crop_image(im, -1, 0, 1, 1).is_ok());
  Image r = rotate_180(im);
  EXPECT_EQ(r.pixel(0, 0)[0], im.pixel(3, 2)[0]);
  EXPECT_EQ(r.pixel(3, 0)[1], im.pixel(0, 2)[1]);
}

TEST(Preprocess, Errors) {
  Image im = testing::make_pattern_image(10, 8, 3, 2);
  auto expect_error = [&](const PreprocessOptions& o, const char* text) {
    auto t = preprocess_image(im, o);
    ASSERT_FALSE(t.is_ok()) << text;
    EXPECT_EQ(t.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(t.status().message().find(text), std::string::npos) << t.status().message();
  };
  PreprocessOptions o = raw_options();
  o.crop = 9;
  expect_error(o, "crop 9x9 is larger than the image 10x8");
  o = PreprocessOptions::imagenet();
  o.resize_shorter = 100;
  o.crop = 224;
  expect_error(o, "crop 224x224 is larger than the resized image 125x100");
  o = raw_options();
  o.std = {1, 0, 1};
  expect_error(o, "std[1]");
  o = raw_options();
  o.resize = ResizeMode::kExact;
  expect_error(o, "resize_width");
  o = raw_options();
  o.resize = ResizeMode::kShorterSide;
  o.resize_shorter = 1 << 20;
  expect_error(o, "resize_shorter");
  o = raw_options();
  o.region_width = 5, o.region_height = 5, o.region_x = 6;
  expect_error(o, "region 5x5 at (6,0) is not inside the 10x8 image");
  o = raw_options();
  o.pad_width = -3;
  expect_error(o, "pad_width");

  Image empty;
  EXPECT_EQ(preprocess_image(empty, raw_options()).status().code(), StatusCode::kInvalidArgument);
  Image bad{4, 4, 3, std::vector<uint8_t>(10)};
  EXPECT_EQ(preprocess_image(bad, raw_options()).status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace coreinfer
