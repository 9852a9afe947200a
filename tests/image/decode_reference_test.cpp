// The sample images decode to exactly PIL's pixels (Debian python3-pil 9.4 with libjpeg-turbo
// 2.1.5 and libpng 1.6.39, the decoder that produced the reference tensors). The hashes are
// FNV-1a 64 of numpy.asarray(PIL.Image.open(file)).tobytes().
#include <gtest/gtest.h>

#include "formats/image/image.h"
#include "image/image_test_util.h"
#include "support/test_support.h"

namespace coreinfer {
namespace {

using testing::data_path;

struct Reference {
  const char* file;
  ImageFormat format;
  int width, height, channels;
  uint64_t pil_hash;
  uint8_t first_pixels[6];
};

class DecodeReference : public ::testing::TestWithParam<Reference> {};

TEST_P(DecodeReference, MatchesPil) {
  const Reference& r = GetParam();
  const std::string path = data_path(std::string("onnx/images/") + r.file);
  const auto bytes = testing::read_file_bytes(path);
  ASSERT_FALSE(bytes.empty()) << path;
  EXPECT_EQ(detect_image_format(bytes), r.format);
  auto image = decode_image_file(path);
  ASSERT_TRUE(image.is_ok()) << image.status().to_string();
  EXPECT_EQ(image->width, r.width);
  EXPECT_EQ(image->height, r.height);
  EXPECT_EQ(image->channels, r.channels);
  ASSERT_EQ(image->pixels.size(), static_cast<size_t>(r.width) * r.height * r.channels);
  for (int i = 0; i < 6; ++i) EXPECT_EQ(image->pixels[i], r.first_pixels[i]) << "byte " << i;
  EXPECT_EQ(testing::fnv1a64(image->pixels), r.pil_hash) << "pixels differ from PIL's";
}

INSTANTIATE_TEST_SUITE_P(
    Samples, DecodeReference,
    ::testing::Values(
        Reference{"chelsea.png", ImageFormat::kPng, 451, 300, 3, 0xb2179687966157a8ull, {143, 120, 104, 143, 120, 104}},
        Reference{"coffee.png", ImageFormat::kPng, 600, 400, 3, 0xd261c1b91ef6ee1eull, {21, 13, 8, 21, 13, 9}},
        Reference{"page.png", ImageFormat::kPng, 384, 191, 1, 0x29c111bb6df9b3afull, {136, 137, 139, 139, 139, 137}},
        Reference{"rocket.jpg", ImageFormat::kJpeg, 640, 427, 3, 0x34b9b35d9b0edb19ull, {17, 33, 58, 17, 33, 58}},
        Reference{"mnist_nine.bmp", ImageFormat::kBmp, 28, 28, 1, 0xb0646b1bb5f58bcaull, {0, 0, 0, 0, 0, 0}}),
    [](const auto& info) {
      std::string name = info.param.file;
      for (char& c : name) c = std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
      return name;
    });

TEST(DecodeImageFile, MissingFileIsNotFound) {
  auto image = decode_image_file(data_path("onnx/images/no-such-image.png"));
  ASSERT_FALSE(image.is_ok());
  EXPECT_EQ(image.status().code(), StatusCode::kNotFound);
  EXPECT_NE(image.status().message().find("no-such-image.png"), std::string::npos);
}

TEST(DecodeImage, EmptyAndUnknownDataAreErrors) {
  EXPECT_EQ(decode_image({}).status().code(), StatusCode::kCorrupt);
  const std::vector<uint8_t> gif = {'G', 'I', 'F', '8', '9', 'a', 1, 0, 1, 0};
  auto r = decode_image(gif);
  ASSERT_FALSE(r.is_ok());
  EXPECT_EQ(r.status().code(), StatusCode::kUnsupported);
  EXPECT_NE(r.status().message().find("JPEG, PNG or BMP"), std::string::npos);
  EXPECT_EQ(detect_image_format(gif), ImageFormat::kUnknown);
}

}  // namespace
}  // namespace coreinfer
