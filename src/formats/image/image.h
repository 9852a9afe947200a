// Decoded images for vision models: JPEG (libjpeg-turbo), PNG (libpng) and BMP, detected by their
// magic bytes. After to_rgb() / to_grey() the pixels are bit-identical to PIL's (Pillow 9.4 on
// libjpeg-turbo 2.1.5) Image.open(f).convert('RGB') / convert('L'), so the preprocessing in
// preprocess.h reproduces tensors made with PIL. (Exception: 16-bit grey PNG, see png_decoder.cpp.)
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "core/status.h"

namespace coreinfer {

// Interleaved 8-bit pixels, rows top-down without padding:
// channels 1 = grey, 2 = grey + alpha, 3 = RGB, 4 = RGBA.
struct Image {
  int width = 0;
  int height = 0;
  int channels = 0;
  std::vector<uint8_t> pixels;  // width * height * channels

  const uint8_t* pixel(int x, int y) const {
    return pixels.data() + (static_cast<size_t>(y) * width + x) * channels;
  }
};

// Size limits checked from the header, before any pixel memory is allocated.
struct ImageLimits {
  int max_side = 16384;
  int64_t max_pixels = int64_t{256} << 20;
};

enum class ImageFormat { kUnknown, kJpeg, kPng, kBmp };
const char* image_format_name(ImageFormat format);
ImageFormat detect_image_format(std::span<const uint8_t> bytes);

// Decodes an image held in memory. Corrupt, truncated or over-large data returns an error.
Result<Image> decode_image(std::span<const uint8_t> bytes, const ImageLimits& limits = {});
Result<Image> decode_image_file(const std::string& path, const ImageLimits& limits = {});

// Conversions as PIL's Image.convert does them: grey -> RGB replicates; alpha is dropped
// without compositing; RGB -> grey is ITU-R 601-2 luma L = (19595 R + 38470 G + 7471 B + 2^15) >> 16.
Image to_rgb(const Image& image);
Image to_grey(const Image& image);

// Checks a header's size against the limits (used by the decoders; public for tests).
Status check_image_size(int64_t width, int64_t height, const ImageLimits& limits, const char* format);

}  // namespace coreinfer
