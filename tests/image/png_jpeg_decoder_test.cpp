// PNG and JPEG decoding of images encoded by the test through libpng / libjpeg. The expected
// pixels are those of PIL's Image.open(...).convert() (checked against Pillow 9.4 when written).
#include <gtest/gtest.h>
#include <png.h>

#include <cstdlib>

#include "formats/image/image.h"
#include "image/image_test_util.h"

namespace coreinfer {
namespace {

using testing::encode_jpeg;
using testing::encode_png;
using testing::make_pattern_image;

std::vector<uint16_t> pattern_samples(size_t n, uint32_t mask, uint32_t seed) {
  std::vector<uint16_t> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = static_cast<uint16_t>(((i + seed) * 7919u + (i >> 3) * 31u) & mask);
  return v;
}

Image decode_ok(const std::vector<uint8_t>& bytes) {
  auto r = decode_image(bytes);
  EXPECT_TRUE(r.is_ok()) << r.status().to_string();
  return r.is_ok() ? std::move(r).value() : Image{};
}

struct PngCase {
  const char* name;
  int color_type, bit_depth, file_channels, decoded_channels;
  bool interlaced;
};

class PngLayouts : public ::testing::TestWithParam<PngCase> {};

TEST_P(PngLayouts, DecodesToEightBitSamples) {
  const PngCase& c = GetParam();
  const int w = 13, h = 9;  // odd sizes exercise the interlace passes and packed rows
  const uint32_t mask = (1u << c.bit_depth) - 1;
  const auto samples = pattern_samples(static_cast<size_t>(w) * h * c.file_channels, mask, 3);
  Image im = decode_ok(encode_png(w, h, c.color_type, c.bit_depth, samples, c.interlaced));
  ASSERT_EQ(im.width, w);
  ASSERT_EQ(im.height, h);
  ASSERT_EQ(im.channels, c.decoded_channels);
  for (size_t i = 0; i < samples.size(); ++i) {
    int want = samples[i];
    if (c.bit_depth == 16) want >>= 8;                   // high byte
    if (c.bit_depth < 8) want = want * 255 / static_cast<int>(mask);  // 1/2/4-bit grey scaled up
    ASSERT_EQ(im.pixels[i], want) << "sample " << i;
  }
}

INSTANTIATE_TEST_SUITE_P(
    Layouts, PngLayouts,
    ::testing::Values(PngCase{"Rgb8", PNG_COLOR_TYPE_RGB, 8, 3, 3, false},
                      PngCase{"Rgba8", PNG_COLOR_TYPE_RGB_ALPHA, 8, 4, 4, false},
                      PngCase{"Grey8", PNG_COLOR_TYPE_GRAY, 8, 1, 1, false},
                      PngCase{"GreyAlpha8", PNG_COLOR_TYPE_GRAY_ALPHA, 8, 2, 2, false},
                      PngCase{"Grey1", PNG_COLOR_TYPE_GRAY, 1, 1, 1, false},
                      PngCase{"Grey2", PNG_COLOR_TYPE_GRAY, 2, 1, 1, false},
                      PngCase{"Grey4Interlaced", PNG_COLOR_TYPE_GRAY, 4, 1, 1, true},
                      PngCase{"Rgb16", PNG_COLOR_TYPE_RGB, 16, 3, 3, false},
                      PngCase{"Rgba16Interlaced", PNG_COLOR_TYPE_RGB_ALPHA, 16, 4, 4, true},
                      PngCase{"Rgb8Interlaced", PNG_COLOR_TYPE_RGB, 8, 3, 3, true}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(Png, PaletteExpandsToRgb) {
  const std::vector<uint8_t> palette = {1, 2, 3, 50, 60, 70, 200, 210, 220};
  std::vector<uint16_t> indices;
  for (int i = 0; i < 35; ++i) indices.push_back(static_cast<uint16_t>(i % 3));
  Image im = decode_ok(encode_png(7, 5, PNG_COLOR_TYPE_PALETTE, 4, indices, true, palette));
  ASSERT_EQ(im.channels, 3);
  for (int i = 0; i < 35; ++i) {
    for (int c = 0; c < 3; ++c) ASSERT_EQ(im.pixels[i * 3 + c], palette[indices[i] * 3 + c]) << i;
  }
}

TEST(Png, OversizedHeaderIsRefusedBeforeAllocation) {
  auto bytes = encode_png(4, 4, PNG_COLOR_TYPE_RGB, 8, pattern_samples(48, 255, 1));
  ImageLimits limits;
  limits.max_side = 3;
  auto r = decode_image(bytes, limits);
  ASSERT_FALSE(r.is_ok());
  EXPECT_EQ(r.status().code(), StatusCode::kOutOfRange);
  EXPECT_NE(r.status().message().find("PNG image 4x4 is larger than the limit"), std::string::npos)
      << r.status().message();
}

TEST(Jpeg, GreyAndColourAreCloseToTheSource) {
  // A smooth gradient survives JPEG compression within a few levels.
  Image grey{24, 16, 1, {}};
  Image rgb{24, 16, 3, {}};
  for (int y = 0; y < 16; ++y) {
    for (int x = 0; x < 24; ++x) {
      grey.pixels.push_back(static_cast<uint8_t>(x * 8 + y * 2));
      rgb.pixels.push_back(static_cast<uint8_t>(x * 10));
      rgb.pixels.push_back(static_cast<uint8_t>(y * 12));
      rgb.pixels.push_back(static_cast<uint8_t>(200 - x * 4));
    }
  }
  for (const Image* src : {&grey, &rgb}) {
    Image im = decode_ok(encode_jpeg(*src, 95));
    ASSERT_EQ(im.width, 24);
    ASSERT_EQ(im.height, 16);
    ASSERT_EQ(im.channels, src->channels);
    int worst = 0;
    for (size_t i = 0; i < im.pixels.size(); ++i) worst = std::max(worst, std::abs(im.pixels[i] - src->pixels[i]));
    EXPECT_LE(worst, 12) << src->channels << " channels";
  }
}

TEST(Jpeg, AdobeCmykIsInvertedAndConvertedLikePil) {
  // Samples written raw with an Adobe marker read back inverted: 255 = no ink.
  Image cmyk{4, 1, 4, {255, 255, 255, 255, 255, 255, 255, 0, 0, 255, 255, 255, 155, 200, 255, 230}};
  Image im = decode_ok(encode_jpeg(cmyk, 100));
  ASSERT_EQ(im.channels, 3);
  const int expected[12] = {255, 255, 255, 0, 0, 0, 0, 255, 255, 140, 180, 230};  // PIL 9.4's result
  for (int i = 0; i < 12; ++i) EXPECT_NEAR(im.pixels[i], expected[i], 2) << i;
}

TEST(Jpeg, OversizedFrameIsRefused) {
  auto bytes = encode_jpeg(make_pattern_image(16, 8, 3, 1));
  // Patch the SOF0 frame size to 20000x20000 (marker FFC0, length, precision, height, width).
  bool patched = false;
  for (size_t i = 2; i + 9 < bytes.size(); ++i) {
    if (bytes[i] == 0xff && bytes[i + 1] == 0xc0) {
      bytes[i + 5] = 20000 >> 8, bytes[i + 6] = 20000 & 0xff;
      bytes[i + 7] = 20000 >> 8, bytes[i + 8] = 20000 & 0xff;
      patched = true;
      break;
    }
  }
  ASSERT_TRUE(patched);
  auto r = decode_image(bytes);
  ASSERT_FALSE(r.is_ok());
  EXPECT_EQ(r.status().code(), StatusCode::kOutOfRange);
  EXPECT_NE(r.status().message().find("20000x20000"), std::string::npos) << r.status().message();
}

// The last scan of a progressive JPEG repeated `copies` more times (a bogus progression that
// libjpeg only warns about).
std::vector<uint8_t> with_repeated_last_scan(const std::vector<uint8_t>& jpeg, int copies) {
  size_t last_sos = 0;
  for (size_t i = 0; i + 1 < jpeg.size(); ++i) {
    if (jpeg[i] == 0xff && jpeg[i + 1] == 0xda) last_sos = i;
  }
  const size_t eoi = jpeg.size() - 2;
  std::vector<uint8_t> out(jpeg.begin(), jpeg.begin() + static_cast<std::ptrdiff_t>(eoi));
  for (int k = 0; k < copies; ++k) out.insert(out.end(), jpeg.begin() + last_sos, jpeg.begin() + eoi);
  out.insert(out.end(), jpeg.begin() + eoi, jpeg.end());
  return out;
}

TEST(Jpeg, ProgressiveDecodesAndTooManyScansAreRefused) {
  const Image src = make_pattern_image(40, 24, 3, 8);
  const auto progressive = encode_jpeg(src, 90, true);
  const auto baseline = encode_jpeg(src, 90, false);
  Image a = decode_ok(progressive);
  Image b = decode_ok(baseline);
  ASSERT_EQ(a.pixels.size(), b.pixels.size());
  EXPECT_EQ(a.pixels, b.pixels);  // same quantised coefficients, same pixels

  EXPECT_TRUE(decode_image(with_repeated_last_scan(progressive, 5)).is_ok());
  auto r = decode_image(with_repeated_last_scan(progressive, 1100));
  ASSERT_FALSE(r.is_ok());
  EXPECT_NE(r.status().message().find("progressive scans"), std::string::npos) << r.status().message();
}

TEST(Convert, RgbAndGreyLikePil) {
  Image la{2, 1, 2, {10, 0, 250, 255}};
  EXPECT_EQ(to_rgb(la).pixels, (std::vector<uint8_t>{10, 10, 10, 250, 250, 250}));
  EXPECT_EQ(to_grey(la).pixels, (std::vector<uint8_t>{10, 250}));
  Image rgba{1, 1, 4, {255, 0, 0, 7}};
  EXPECT_EQ(to_rgb(rgba).pixels, (std::vector<uint8_t>{255, 0, 0}));
  EXPECT_EQ(to_grey(rgba).pixels[0], 76);  // (19595 * 255 + 32768) >> 16
  Image white{1, 1, 3, {255, 255, 255}};
  EXPECT_EQ(to_grey(white).pixels[0], 255);
}

}  // namespace
}  // namespace coreinfer
