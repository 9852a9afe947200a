// Truncated and randomly damaged images: decoding returns an error or a consistent image, and
// never crashes, aborts or exits (libjpeg / libpng errors are turned into Status values).
#include <gtest/gtest.h>
#include <png.h>

#include <random>

#include "formats/image/image.h"
#include "image/image_test_util.h"
#include "support/test_support.h"

namespace coreinfer {
namespace {

std::vector<uint8_t> sample_file(const char* name) {
  return testing::read_file_bytes(testing::data_path(std::string("onnx/images/") + name));
}

// Small images of every format, so that many damaged copies decode quickly.
std::vector<std::pair<std::string, std::vector<uint8_t>>> small_images() {
  using namespace testing;
  std::vector<std::pair<std::string, std::vector<uint8_t>>> out;
  const Image rgb = make_pattern_image(37, 23, 3, 1);
  out.emplace_back("jpeg-rgb", encode_jpeg(rgb));
  out.emplace_back("jpeg-grey", encode_jpeg(make_pattern_image(19, 29, 1, 2)));
  std::vector<uint16_t> samples(rgb.pixels.begin(), rgb.pixels.end());
  out.emplace_back("png-rgb", encode_png(37, 23, PNG_COLOR_TYPE_RGB, 8, samples));
  out.emplace_back("png-rgb-interlaced", encode_png(37, 23, PNG_COLOR_TYPE_RGB, 8, samples, true));
  BmpSpec bmp;
  bmp.width = 37, bmp.height = 23, bmp.bits = 24, bmp.image = rgb;
  out.emplace_back("bmp-24", encode_bmp(bmp));
  bmp.bits = 8;
  for (int i = 0; i < 256; ++i) bmp.palette.insert(bmp.palette.end(), {uint8_t(i), uint8_t(i * 3), uint8_t(255 - i)});
  bmp.indices.assign(rgb.pixels.begin(), rgb.pixels.begin() + 37 * 23);
  out.emplace_back("bmp-8", encode_bmp(bmp));
  out.emplace_back("mnist_nine.bmp", sample_file("mnist_nine.bmp"));
  return out;
}

void expect_consistent(const Result<Image>& r, const std::string& what) {
  if (!r.is_ok()) {
    EXPECT_FALSE(r.status().message().empty()) << what;
    return;
  }
  ASSERT_GT(r->width, 0) << what;
  ASSERT_GT(r->height, 0) << what;
  ASSERT_GE(r->channels, 1) << what;
  ASSERT_LE(r->channels, 4) << what;
  ASSERT_EQ(r->pixels.size(), static_cast<size_t>(r->width) * r->height * r->channels) << what;
}

TEST(CorruptInput, TruncatedFilesAreErrors) {
  auto files = small_images();
  for (const char* name : {"chelsea.png", "rocket.jpg"}) files.emplace_back(name, sample_file(name));
  for (const auto& [name, bytes] : files) {
    ASSERT_TRUE(decode_image(bytes).is_ok()) << name;
    const size_t n = bytes.size();
    for (size_t cut : {size_t{0}, size_t{1}, size_t{2}, size_t{3}, size_t{8}, size_t{14}, size_t{20}, size_t{33},
                       size_t{60}, n / 4, n / 2, 3 * n / 4, n - 40, n - 3, n - 2, n - 1}) {
      if (cut >= n) continue;
      std::vector<uint8_t> part(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(cut));
      auto r = decode_image(part);
      EXPECT_FALSE(r.is_ok()) << name << " truncated to " << cut << " of " << n << " bytes decoded";
    }
  }
}

TEST(CorruptInput, TruncationMessageSaysSo) {
  auto jpeg = sample_file("rocket.jpg");
  jpeg.resize(jpeg.size() / 2);
  auto r = decode_image(jpeg);
  ASSERT_FALSE(r.is_ok());
  EXPECT_EQ(r.status().code(), StatusCode::kCorrupt);
  EXPECT_NE(r.status().message().find("truncated"), std::string::npos) << r.status().message();
  auto png = sample_file("chelsea.png");
  png.resize(png.size() / 2);
  r = decode_image(png);
  ASSERT_FALSE(r.is_ok());
  EXPECT_NE(r.status().message().find("truncated"), std::string::npos) << r.status().message();
}

TEST(CorruptInput, RandomByteFlipsNeverCrash) {
  std::mt19937 rng(12345);
  int decoded = 0, failed = 0;
  for (const auto& [name, bytes] : small_images()) {
    for (int iteration = 0; iteration < 300; ++iteration) {
      std::vector<uint8_t> damaged = bytes;
      const int flips = 1 + static_cast<int>(rng() % 8);
      for (int f = 0; f < flips; ++f) {
        // Half of the damage goes to the first 64 bytes, where the headers are.
        const size_t limit = (rng() & 1) ? std::min<size_t>(64, damaged.size()) : damaged.size();
        damaged[rng() % limit] ^= static_cast<uint8_t>(1 + rng() % 255);
      }
      auto r = decode_image(damaged);
      expect_consistent(r, name + " iteration " + std::to_string(iteration));
      (r.is_ok() ? decoded : failed)++;
    }
  }
  // Both outcomes occur: damaged pixel data often still decodes, damaged headers do not.
  EXPECT_GT(decoded, 0);
  EXPECT_GT(failed, 0);
}

TEST(CorruptInput, DamagedSampleFilesNeverCrash) {
  std::mt19937 rng(777);
  for (const char* name : {"chelsea.png", "rocket.jpg", "page.png"}) {
    const auto bytes = sample_file(name);
    for (int iteration = 0; iteration < 20; ++iteration) {
      std::vector<uint8_t> damaged = bytes;
      for (int f = 0; f < 4; ++f) damaged[rng() % damaged.size()] ^= static_cast<uint8_t>(1 + rng() % 255);
      expect_consistent(decode_image(damaged), std::string(name) + " iteration " + std::to_string(iteration));
    }
  }
}

TEST(CorruptInput, GarbageAfterMagicBytes) {
  std::mt19937 rng(99);
  const std::vector<std::vector<uint8_t>> magics = {
      {0xff, 0xd8, 0xff}, {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'}, {'B', 'M'}};
  for (const auto& magic : magics) {
    for (int iteration = 0; iteration < 100; ++iteration) {
      std::vector<uint8_t> bytes = magic;
      const size_t extra = rng() % 300;
      for (size_t i = 0; i < extra; ++i) bytes.push_back(static_cast<uint8_t>(rng()));
      expect_consistent(decode_image(bytes), "garbage " + std::to_string(iteration));
    }
  }
}

}  // namespace
}  // namespace coreinfer
