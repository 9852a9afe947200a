// PNG through libpng's low-level read API with the transformations that give PIL's pixels:
// palette -> RGB (RGBA when the palette has tRNS transparency), grey below 8 bits scaled to
// 8 bits, 16 bits -> high byte, no gamma correction (PIL ignores gAMA). After to_rgb() the
// pixels equal PIL's Image.open(...).convert('RGB'), with one deliberate exception: PIL opens
// 16-bit grey as mode "I" and convert() clips the 16-bit values to 255, where we keep the high
// byte. libpng reports errors through png_error, which longjmps to png_jmpbuf.
#include <png.h>

#include <csetjmp>
#include <cstring>
#include <memory>

#include "formats/image/image_decoders.h"

namespace coreinfer::image_detail {
namespace {

struct Reader {
  std::span<const uint8_t> bytes;
  size_t offset = 0;
};

struct Decode {
  png_structp png = nullptr;
  png_infop info = nullptr;
  Reader reader;
  Image image;
  std::vector<png_bytep> rows;
  Status status;
  char message[256] = {};
};

void on_read(png_structp png, png_bytep out, size_t length) {
  auto* reader = static_cast<Reader*>(png_get_io_ptr(png));
  if (length > reader->bytes.size() - reader->offset) png_error(png, "the data is truncated (premature end of file)");
  std::memcpy(out, reader->bytes.data() + reader->offset, length);
  reader->offset += length;
}

[[noreturn]] void on_error(png_structp png, png_const_charp message) {
  auto* d = static_cast<Decode*>(png_get_error_ptr(png));
  std::strncpy(d->message, message ? message : "unknown error", sizeof d->message - 1);
  png_longjmp(png, 1);
}

void on_warning(png_structp, png_const_charp) {}

// Every libpng call that can fail happens here; objects with destructors live in `d`.
bool run(Decode& d, const ImageLimits& limits) {
  if (setjmp(png_jmpbuf(d.png))) return false;
  png_set_read_fn(d.png, &d.reader, on_read);
  png_set_chunk_malloc_max(d.png, 64u << 20);
  // Like PIL: a wrong CRC in an ancillary chunk is tolerated, in a critical chunk it is an error.
  png_set_crc_action(d.png, PNG_CRC_DEFAULT, PNG_CRC_WARN_DISCARD);
  png_read_info(d.png, d.info);

  const png_uint_32 width = png_get_image_width(d.png, d.info);
  const png_uint_32 height = png_get_image_height(d.png, d.info);
  const int bit_depth = png_get_bit_depth(d.png, d.info);
  const int color_type = png_get_color_type(d.png, d.info);
  if (color_type == PNG_COLOR_TYPE_PALETTE) png_set_palette_to_rgb(d.png);
  if (color_type == PNG_COLOR_TYPE_GRAY && bit_depth < 8) png_set_expand_gray_1_2_4_to_8(d.png);
  if (bit_depth == 16) png_set_strip_16(d.png);
  png_set_interlace_handling(d.png);
  png_read_update_info(d.png, d.info);

  const int channels = png_get_channels(d.png, d.info);
  if (channels < 1 || channels > 4 || png_get_bit_depth(d.png, d.info) != 8) {
    d.status = unsupported("PNG layout not supported after conversion to 8 bits (" + std::to_string(channels) +
                           " channels)");
    return true;
  }
  d.status = allocate_pixels(d.image, static_cast<int>(std::min<png_uint_32>(width, 1u << 30)),
                             static_cast<int>(std::min<png_uint_32>(height, 1u << 30)), channels, limits, "PNG");
  if (!d.status.is_ok()) return true;
  const size_t stride = static_cast<size_t>(d.image.width) * channels;
  if (png_get_rowbytes(d.png, d.info) != stride) {
    d.status = internal_error("libpng row size differs from the expected " + std::to_string(stride) + " bytes");
    return true;
  }
  d.rows.resize(d.image.height);
  for (int y = 0; y < d.image.height; ++y) d.rows[y] = d.image.pixels.data() + y * stride;
  png_read_image(d.png, d.rows.data());
  png_read_end(d.png, nullptr);
  return true;
}

}  // namespace

Result<Image> decode_png(std::span<const uint8_t> bytes, const ImageLimits& limits) {
  auto d = std::make_unique<Decode>();
  d->reader.bytes = bytes;
  d->png = png_create_read_struct(PNG_LIBPNG_VER_STRING, d.get(), on_error, on_warning);
  if (!d->png) return internal_error("libpng could not create a read structure");
  d->info = png_create_info_struct(d->png);
  if (!d->info) {
    png_destroy_read_struct(&d->png, nullptr, nullptr);
    return internal_error("libpng could not create an info structure");
  }
  const bool completed = run(*d, limits);
  png_destroy_read_struct(&d->png, &d->info, nullptr);
  if (!completed) return corrupt(std::string("invalid PNG data: ") + d->message);
  if (!d->status.is_ok()) return d->status;
  return std::move(d->image);
}

}  // namespace coreinfer::image_detail
