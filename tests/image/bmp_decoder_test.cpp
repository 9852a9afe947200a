// BMP decoding of files written by the test's own encoder (known pixels), and malformed headers.
#include <gtest/gtest.h>

#include "formats/image/image.h"
#include "image/image_test_util.h"

namespace coreinfer {
namespace {

using testing::BmpSpec;
using testing::encode_bmp;
using testing::make_pattern_image;

void put32(std::vector<uint8_t>& b, size_t offset, uint32_t v) {
  for (int i = 0; i < 4; ++i) b[offset + i] = static_cast<uint8_t>(v >> (8 * i));
}

Image decode_ok(const std::vector<uint8_t>& bytes) {
  auto r = decode_image(bytes);
  EXPECT_TRUE(r.is_ok()) << r.status().to_string();
  return r.is_ok() ? std::move(r).value() : Image{};
}

class Bmp24 : public ::testing::TestWithParam<bool> {};

TEST_P(Bmp24, OddWidthRowsWithPadding) {
  BmpSpec spec;
  spec.width = 5, spec.height = 3, spec.bits = 24, spec.top_down = GetParam();
  spec.image = make_pattern_image(5, 3, 3, 1);
  Image im = decode_ok(encode_bmp(spec));
  EXPECT_EQ(im.width, 5);
  EXPECT_EQ(im.height, 3);
  EXPECT_EQ(im.channels, 3);
  EXPECT_EQ(im.pixels, spec.image.pixels);
}
INSTANTIATE_TEST_SUITE_P(Orientation, Bmp24, ::testing::Values(false, true),
                         [](const auto& info) { return info.param ? "TopDown" : "BottomUp"; });

TEST(Bmp, ThirtyTwoBitIgnoresTheFourthByte) {
  BmpSpec spec;
  spec.width = 3, spec.height = 2, spec.bits = 32;
  spec.image = make_pattern_image(3, 2, 3, 2);
  Image im = decode_ok(encode_bmp(spec));
  EXPECT_EQ(im.channels, 3);
  EXPECT_EQ(im.pixels, spec.image.pixels);
}

TEST(Bmp, ThirtyTwoBitBitfieldsWithAlpha) {
  BmpSpec spec;
  spec.width = 4, spec.height = 3, spec.bits = 32, spec.bitfields = true;
  spec.image = make_pattern_image(4, 3, 4, 3);
  Image im = decode_ok(encode_bmp(spec));
  EXPECT_EQ(im.channels, 4);
  EXPECT_EQ(im.pixels, spec.image.pixels);
  EXPECT_EQ(to_rgb(im).pixels[5], spec.image.pixels[6]);  // pixel 1, blue: alpha dropped
}

TEST(Bmp, SixteenBitFiveFiveFive) {
  BmpSpec spec;
  spec.width = 3, spec.height = 2, spec.bits = 16;
  spec.image = make_pattern_image(3, 2, 3, 4);
  Image im = decode_ok(encode_bmp(spec));
  ASSERT_EQ(im.channels, 3);
  for (size_t i = 0; i < im.pixels.size(); ++i) {
    EXPECT_EQ(im.pixels[i], (spec.image.pixels[i] >> 3) * 255 / 31) << i;  // PIL's "BGR;15" scaling
  }
}

TEST(Bmp, ColourPaletteEightBit) {
  BmpSpec spec;
  spec.width = 3, spec.height = 2, spec.bits = 8;
  spec.palette = {255, 0, 0, 0, 255, 0, 0, 0, 255, 10, 20, 30};
  spec.indices = {0, 1, 2, 3, 2, 1};
  Image im = decode_ok(encode_bmp(spec));
  ASSERT_EQ(im.channels, 3);
  for (int i = 0; i < 6; ++i) {
    for (int c = 0; c < 3; ++c) EXPECT_EQ(im.pixels[i * 3 + c], spec.palette[spec.indices[i] * 3 + c]);
  }
}

TEST(Bmp, GreyPaletteGivesOneChannel) {
  BmpSpec spec;
  spec.width = 2, spec.height = 2, spec.bits = 8;
  for (int i = 0; i < 256; ++i) spec.palette.insert(spec.palette.end(), 3, static_cast<uint8_t>(255 - i));
  spec.indices = {0, 10, 200, 255};
  Image im = decode_ok(encode_bmp(spec));
  ASSERT_EQ(im.channels, 1);
  EXPECT_EQ(im.pixels, (std::vector<uint8_t>{255, 245, 55, 0}));
}

TEST(Bmp, FourAndOneBitPalettesOddWidths) {
  BmpSpec spec;
  spec.width = 7, spec.height = 2, spec.bits = 4;
  spec.palette = {0, 0, 0, 9, 8, 7, 1, 2, 3, 100, 50, 25};
  spec.indices = {0, 1, 2, 3, 3, 2, 1, 1, 1, 0, 0, 2, 2, 3};
  Image im = decode_ok(encode_bmp(spec));
  ASSERT_EQ(im.channels, 3);
  for (int i = 0; i < 14; ++i) EXPECT_EQ(im.pixels[i * 3 + 1], spec.palette[spec.indices[i] * 3 + 1]) << i;

  BmpSpec mono;
  mono.width = 11, mono.height = 3, mono.bits = 1;
  mono.palette = {0, 0, 0, 255, 255, 255};
  for (int i = 0; i < 33; ++i) mono.indices.push_back(static_cast<uint8_t>((i * 7 / 3) & 1));
  Image m = decode_ok(encode_bmp(mono));
  ASSERT_EQ(m.channels, 1);
  for (int i = 0; i < 33; ++i) EXPECT_EQ(m.pixels[i], mono.indices[i] ? 255 : 0) << i;
}

TEST(Bmp, IndexBeyondPaletteIsBlack) {
  BmpSpec spec;
  spec.width = 2, spec.height = 1, spec.bits = 8;
  spec.palette = {10, 20, 30, 40, 50, 60};  // 2 colours
  spec.indices = {1, 200};
  Image im = decode_ok(encode_bmp(spec));
  ASSERT_EQ(im.channels, 3);
  EXPECT_EQ(im.pixels, (std::vector<uint8_t>{40, 50, 60, 0, 0, 0}));
}

TEST(Bmp, MalformedHeadersAreErrors) {
  BmpSpec spec;
  spec.width = 4, spec.height = 4, spec.bits = 24;
  spec.image = make_pattern_image(4, 4, 3, 5);
  const std::vector<uint8_t> good = encode_bmp(spec);

  auto code_of = [](const std::vector<uint8_t>& b) { return decode_image(b).status().code(); };
  std::vector<uint8_t> b = good;
  put32(b, 30, 1);  // BI_RLE8
  EXPECT_EQ(code_of(b), StatusCode::kUnsupported);
  b = good;
  b[28] = 2;  // 2 bits per pixel
  EXPECT_EQ(code_of(b), StatusCode::kUnsupported);
  b = good;
  put32(b, 18, 20000);  // width beyond the side limit: refused before the data check
  EXPECT_EQ(code_of(b), StatusCode::kOutOfRange);
  b = good;
  put32(b, 18, 0);
  EXPECT_EQ(code_of(b), StatusCode::kCorrupt);
  b = good;
  put32(b, 22, 0x80000000u);  // height INT32_MIN
  EXPECT_NE(code_of(b), StatusCode::kOk);
  b = good;
  put32(b, 14, 0xfffffff0u);  // header size
  EXPECT_EQ(code_of(b), StatusCode::kCorrupt);
  b = good;
  put32(b, 10, 0xffffff00u);  // pixel data offset
  EXPECT_EQ(code_of(b), StatusCode::kCorrupt);
  b = good;
  put32(b, 22, 5);  // one row more than stored
  auto r = decode_image(b);
  ASSERT_FALSE(r.is_ok());
  EXPECT_NE(r.status().message().find("past the end"), std::string::npos) << r.status().message();

  ImageLimits small;
  small.max_pixels = 15;
  EXPECT_EQ(decode_image(good, small).status().code(), StatusCode::kOutOfRange);
}

}  // namespace
}  // namespace coreinfer
