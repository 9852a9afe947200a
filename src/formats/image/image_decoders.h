// The per-format decoders behind decode_image (internal to the image library).
#pragma once

#include <cstdint>
#include <span>

#include "formats/image/image.h"

namespace coreinfer::image_detail {

Result<Image> decode_jpeg(std::span<const uint8_t> bytes, const ImageLimits& limits);
Result<Image> decode_png(std::span<const uint8_t> bytes, const ImageLimits& limits);
Result<Image> decode_bmp(std::span<const uint8_t> bytes, const ImageLimits& limits);

// Allocates width*height*channels bytes for `image` after the size checks.
Status allocate_pixels(Image& image, int width, int height, int channels, const ImageLimits& limits,
                       const char* format);

}  // namespace coreinfer::image_detail
