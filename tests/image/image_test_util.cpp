#include "image/image_test_util.h"

#include <png.h>

#include <cstdio>
#include <cstring>
#include <stdexcept>
// jpeglib.h needs size_t and FILE declared first.
#include <jpeglib.h>

namespace coreinfer::testing {
namespace {

void put16(std::vector<uint8_t>& b, uint32_t v) {
  b.push_back(static_cast<uint8_t>(v)), b.push_back(static_cast<uint8_t>(v >> 8));
}
void put32(std::vector<uint8_t>& b, uint32_t v) { put16(b, v & 0xffff), put16(b, v >> 16); }

}  // namespace

uint64_t fnv1a64(const std::vector<uint8_t>& bytes) {
  uint64_t h = 0xcbf29ce484222325ull;
  for (uint8_t b : bytes) h = (h ^ b) * 0x100000001b3ull;
  return h;
}

Image make_pattern_image(int width, int height, int channels, uint32_t seed) {
  Image image{width, height, channels, {}};
  image.pixels.resize(static_cast<size_t>(width) * height * channels);
  uint32_t s = seed * 2654435761u + 1;
  for (auto& p : image.pixels) {
    s = s * 1664525u + 1013904223u;
    p = static_cast<uint8_t>(s >> 24);
  }
  return image;
}

std::vector<uint8_t> encode_bmp(const BmpSpec& spec) {
  const bool palettised = spec.bits <= 8;
  const bool v4 = spec.bits == 32 && spec.bitfields;
  const uint32_t header_size = v4 ? 108 : 40;
  const uint32_t colors = palettised ? static_cast<uint32_t>(spec.palette.size() / 3) : 0;
  const uint32_t stride = ((spec.width * spec.bits + 31) / 32) * 4;
  const uint32_t data_offset = 14 + header_size + colors * 4;
  std::vector<uint8_t> b;
  b.push_back('B'), b.push_back('M');
  put32(b, data_offset + stride * spec.height);
  put32(b, 0);
  put32(b, data_offset);
  put32(b, header_size);
  put32(b, static_cast<uint32_t>(spec.width));
  put32(b, static_cast<uint32_t>(spec.top_down ? -spec.height : spec.height));
  put16(b, 1);
  put16(b, static_cast<uint32_t>(spec.bits));
  put32(b, v4 ? 3 : 0);  // BI_BITFIELDS or BI_RGB
  put32(b, stride * spec.height);
  put32(b, 2835), put32(b, 2835);
  put32(b, colors), put32(b, 0);
  if (v4) {
    put32(b, 0x00ff0000), put32(b, 0x0000ff00), put32(b, 0x000000ff);
    put32(b, spec.image.channels == 4 ? 0xff000000u : 0);
    put32(b, 0x73524742);  // 'sRGB'
    for (int i = 0; i < 12; ++i) put32(b, 0);  // endpoints and gamma
  }
  for (uint32_t i = 0; i < colors; ++i) {
    b.push_back(spec.palette[i * 3 + 2]), b.push_back(spec.palette[i * 3 + 1]), b.push_back(spec.palette[i * 3]);
    b.push_back(0);
  }
  for (int r = 0; r < spec.height; ++r) {
    const int y = spec.top_down ? r : spec.height - 1 - r;
    std::vector<uint8_t> row(stride, 0);
    for (int x = 0; x < spec.width; ++x) {
      if (palettised) {
        const int bit = x * spec.bits;
        row[bit / 8] |= static_cast<uint8_t>(spec.indices[y * spec.width + x] << (8 - spec.bits - bit % 8));
        continue;
      }
      const uint8_t* p = spec.image.pixel(x, y);
      if (spec.bits == 16) {  // 5-5-5
        const uint32_t v = (p[0] >> 3) << 10 | (p[1] >> 3) << 5 | (p[2] >> 3);
        row[x * 2] = static_cast<uint8_t>(v), row[x * 2 + 1] = static_cast<uint8_t>(v >> 8);
      } else {
        const int n = spec.bits / 8;
        row[x * n] = p[2], row[x * n + 1] = p[1], row[x * n + 2] = p[0];
        if (n == 4) row[x * n + 3] = spec.image.channels == 4 ? p[3] : 0x5a;  // X byte: must be ignored
      }
    }
    b.insert(b.end(), row.begin(), row.end());
  }
  return b;
}

namespace {
void png_write_to_vector(png_structp png, png_bytep data, size_t length) {
  auto* out = static_cast<std::vector<uint8_t>*>(png_get_io_ptr(png));
  out->insert(out->end(), data, data + length);
}
void png_flush_nothing(png_structp) {}
}  // namespace

std::vector<uint8_t> encode_png(int width, int height, int color_type, int bit_depth,
                                const std::vector<uint16_t>& samples, bool interlaced,
                                const std::vector<uint8_t>& palette_rgb) {
  std::vector<uint8_t> out;
  png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, nullptr, nullptr, nullptr);
  png_infop info = png_create_info_struct(png);
  if (setjmp(png_jmpbuf(png))) {
    png_destroy_write_struct(&png, &info);
    throw std::runtime_error("libpng failed to encode the test image");
  }
  png_set_write_fn(png, &out, png_write_to_vector, png_flush_nothing);
  png_set_IHDR(png, info, width, height, bit_depth, color_type,
               interlaced ? PNG_INTERLACE_ADAM7 : PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT,
               PNG_FILTER_TYPE_DEFAULT);
  std::vector<png_color> palette;
  for (size_t i = 0; i + 2 < palette_rgb.size(); i += 3) {
    palette.push_back({palette_rgb[i], palette_rgb[i + 1], palette_rgb[i + 2]});
  }
  if (color_type == PNG_COLOR_TYPE_PALETTE) png_set_PLTE(png, info, palette.data(), static_cast<int>(palette.size()));
  png_write_info(png, info);
  int channels = 1;
  if (color_type == PNG_COLOR_TYPE_GRAY_ALPHA) channels = 2;
  if (color_type == PNG_COLOR_TYPE_RGB) channels = 3;
  if (color_type == PNG_COLOR_TYPE_RGB_ALPHA) channels = 4;
  const size_t row_bytes = (static_cast<size_t>(width) * channels * bit_depth + 7) / 8;
  std::vector<std::vector<uint8_t>> rows(height, std::vector<uint8_t>(row_bytes, 0));
  for (int y = 0; y < height; ++y) {
    for (int i = 0; i < width * channels; ++i) {
      const uint16_t v = samples[static_cast<size_t>(y) * width * channels + i];
      if (bit_depth == 16) {
        rows[y][i * 2] = static_cast<uint8_t>(v >> 8), rows[y][i * 2 + 1] = static_cast<uint8_t>(v);
      } else if (bit_depth == 8) {
        rows[y][i] = static_cast<uint8_t>(v);
      } else {
        const int bit = i * bit_depth;
        rows[y][bit / 8] |= static_cast<uint8_t>(v << (8 - bit_depth - bit % 8));
      }
    }
  }
  std::vector<png_bytep> row_pointers;
  for (auto& r : rows) row_pointers.push_back(r.data());
  png_write_image(png, row_pointers.data());
  png_write_end(png, nullptr);
  png_destroy_write_struct(&png, &info);
  return out;
}

std::vector<uint8_t> encode_jpeg(const Image& image, int quality, bool progressive) {
  jpeg_compress_struct cinfo{};
  jpeg_error_mgr err{};
  cinfo.err = jpeg_std_error(&err);
  jpeg_create_compress(&cinfo);
  unsigned char* buffer = nullptr;
  unsigned long size = 0;
  jpeg_mem_dest(&cinfo, &buffer, &size);
  cinfo.image_width = image.width;
  cinfo.image_height = image.height;
  cinfo.input_components = image.channels;
  cinfo.in_color_space = image.channels == 1 ? JCS_GRAYSCALE : (image.channels == 4 ? JCS_CMYK : JCS_RGB);
  jpeg_set_defaults(&cinfo);  // CMYK input is stored as CMYK with an Adobe marker
  jpeg_set_quality(&cinfo, quality, TRUE);
  if (progressive) jpeg_simple_progression(&cinfo);
  jpeg_start_compress(&cinfo, TRUE);
  while (cinfo.next_scanline < cinfo.image_height) {
    JSAMPROW row = const_cast<uint8_t*>(image.pixel(0, static_cast<int>(cinfo.next_scanline)));
    jpeg_write_scanlines(&cinfo, &row, 1);
  }
  jpeg_finish_compress(&cinfo);
  std::vector<uint8_t> out(buffer, buffer + size);
  jpeg_destroy_compress(&cinfo);
  std::free(buffer);
  return out;
}

}  // namespace coreinfer::testing
