// Helpers of the image tests: hashing pixels, and small encoders (BMP by hand, PNG and JPEG
// through libpng / libjpeg) that make test images with known pixels.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "formats/image/image.h"

namespace coreinfer::testing {

uint64_t fnv1a64(const std::vector<uint8_t>& bytes);

// An image with deterministic, varied pixel values.
Image make_pattern_image(int width, int height, int channels, uint32_t seed);

// BMP writer for the decoder tests. `bits` 1/4/8 use `palette` (RGB triples) and `indices`;
// 24/32 use `image` (RGB). Rows bottom-up unless top_down. 32-bit writes BGRX (BI_RGB) or,
// with `bitfields`, BI_BITFIELDS masks with a V4 header (alpha mask 0xff000000 when the image has 4 channels).
struct BmpSpec {
  int width = 0, height = 0, bits = 24;
  bool top_down = false;
  bool bitfields = false;
  std::vector<uint8_t> palette;  // RGB triples
  std::vector<uint8_t> indices;  // width*height palette indices, rows top-down
  Image image;                   // for 16/24/32 bits, rows top-down
};
std::vector<uint8_t> encode_bmp(const BmpSpec& spec);

// libpng encoders. `color_type` is a PNG_COLOR_TYPE_*; `samples` hold width*height*channels values
// of `bit_depth` bits (16-bit values in uint16_t form).
std::vector<uint8_t> encode_png(int width, int height, int color_type, int bit_depth,
                                const std::vector<uint16_t>& samples, bool interlaced = false,
                                const std::vector<uint8_t>& palette_rgb = {});

// libjpeg encoder (quality 90, 4:2:0 for colour); channels 1 (grey), 3 (RGB) or 4 (CMYK samples
// written as they are, with libjpeg's Adobe marker, i.e. read back as inverted CMYK).
std::vector<uint8_t> encode_jpeg(const Image& image, int quality = 90, bool progressive = false);

}  // namespace coreinfer::testing
