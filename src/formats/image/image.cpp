#include "formats/image/image.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>

#include "formats/image/image_decoders.h"

namespace coreinfer {

const char* image_format_name(ImageFormat format) {
  switch (format) {
    case ImageFormat::kJpeg: return "JPEG";
    case ImageFormat::kPng: return "PNG";
    case ImageFormat::kBmp: return "BMP";
    case ImageFormat::kUnknown: break;
  }
  return "unknown";
}

ImageFormat detect_image_format(std::span<const uint8_t> bytes) {
  static constexpr uint8_t kPngMagic[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
  if (bytes.size() >= 3 && bytes[0] == 0xff && bytes[1] == 0xd8 && bytes[2] == 0xff) return ImageFormat::kJpeg;
  if (bytes.size() >= 8 && std::memcmp(bytes.data(), kPngMagic, 8) == 0) return ImageFormat::kPng;
  if (bytes.size() >= 2 && bytes[0] == 'B' && bytes[1] == 'M') return ImageFormat::kBmp;
  return ImageFormat::kUnknown;
}

Status check_image_size(int64_t width, int64_t height, const ImageLimits& limits, const char* format) {
  if (width <= 0 || height <= 0) {
    return corrupt(std::string(format) + " image has an invalid size " + std::to_string(width) + "x" +
                   std::to_string(height));
  }
  if (width > limits.max_side || height > limits.max_side || width * height > limits.max_pixels) {
    return out_of_range(std::string(format) + " image " + std::to_string(width) + "x" + std::to_string(height) +
                        " is larger than the limit (" + std::to_string(limits.max_side) + " pixels per side, " +
                        std::to_string(limits.max_pixels) + " pixels in all)");
  }
  return Status::ok();
}

namespace image_detail {

Status allocate_pixels(Image& image, int width, int height, int channels, const ImageLimits& limits,
                       const char* format) {
  CI_RETURN_IF_ERROR(check_image_size(width, height, limits, format));
  image.width = width;
  image.height = height;
  image.channels = channels;
  image.pixels.assign(static_cast<size_t>(width) * static_cast<size_t>(height) * static_cast<size_t>(channels), 0);
  return Status::ok();
}

}  // namespace image_detail

Result<Image> decode_image(std::span<const uint8_t> bytes, const ImageLimits& limits) {
  switch (detect_image_format(bytes)) {
    case ImageFormat::kJpeg: return image_detail::decode_jpeg(bytes, limits);
    case ImageFormat::kPng: return image_detail::decode_png(bytes, limits);
    case ImageFormat::kBmp: return image_detail::decode_bmp(bytes, limits);
    case ImageFormat::kUnknown: break;
  }
  if (bytes.empty()) return corrupt("the image is empty (0 bytes)");
  return unsupported("not a JPEG, PNG or BMP image (unrecognised magic bytes)");
}

Result<Image> decode_image_file(const std::string& path, const ImageLimits& limits) {
  std::unique_ptr<FILE, int (*)(FILE*)> file(std::fopen(path.c_str(), "rb"), &std::fclose);
  if (!file) return not_found("cannot open image file '" + path + "': " + std::strerror(errno));
  std::vector<uint8_t> bytes;
  uint8_t chunk[1 << 16];
  // Compressed images are far smaller than their pixels; this bound only stops absurd files.
  const size_t max_file_bytes = static_cast<size_t>(limits.max_pixels) * 4 + (size_t{1} << 20);
  size_t n = 0;
  while ((n = std::fread(chunk, 1, sizeof chunk, file.get())) > 0) {
    bytes.insert(bytes.end(), chunk, chunk + n);
    if (bytes.size() > max_file_bytes) return out_of_range("image file '" + path + "' is too large");
  }
  if (std::ferror(file.get())) return io_error("error reading image file '" + path + "'");
  auto image = decode_image(bytes, limits);
  if (!image.is_ok()) return Status(image.status().code(), "'" + path + "': " + image.status().message());
  return image;
}

Image to_rgb(const Image& image) {
  if (image.channels == 3) return image;
  Image out;
  out.width = image.width;
  out.height = image.height;
  out.channels = 3;
  const size_t n = static_cast<size_t>(image.width) * image.height;
  out.pixels.resize(n * 3);
  const int c = image.channels;
  for (size_t i = 0; i < n; ++i) {
    const uint8_t* p = image.pixels.data() + i * c;
    uint8_t* q = out.pixels.data() + i * 3;
    if (c <= 2) {
      q[0] = q[1] = q[2] = p[0];
    } else {
      q[0] = p[0], q[1] = p[1], q[2] = p[2];
    }
  }
  return out;
}

Image to_grey(const Image& image) {
  if (image.channels == 1) return image;
  Image out;
  out.width = image.width;
  out.height = image.height;
  out.channels = 1;
  const size_t n = static_cast<size_t>(image.width) * image.height;
  out.pixels.resize(n);
  const int c = image.channels;
  for (size_t i = 0; i < n; ++i) {
    const uint8_t* p = image.pixels.data() + i * c;
    if (c == 2) {
      out.pixels[i] = p[0];
    } else {
      out.pixels[i] = static_cast<uint8_t>((19595u * p[0] + 38470u * p[1] + 7471u * p[2] + 0x8000u) >> 16);
    }
  }
  return out;
}

}  // namespace coreinfer
