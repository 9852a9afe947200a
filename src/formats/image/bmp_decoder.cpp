// Windows BMP: BITMAPCOREHEADER and BITMAPINFOHEADER..V5, uncompressed 1/4/8-bit palettised,
// 16/24/32-bit direct colour (BI_RGB or BI_BITFIELDS masks), bottom-up or top-down rows.
// Every read is bounds-checked against the buffer. Palettes whose entries are all grey give a
// one-channel image (PIL's mode "L" or a "P" image that converts to the same grey values).
#include <algorithm>
#include <bit>
#include <cstring>

#include "formats/image/image_decoders.h"

namespace coreinfer::image_detail {
namespace {

constexpr uint32_t kBiRgb = 0, kBiBitfields = 3, kBiAlphaBitfields = 6;
constexpr size_t kFileHeaderBytes = 14;

uint16_t u16(const uint8_t* p) { return static_cast<uint16_t>(p[0] | p[1] << 8); }
uint32_t u32(const uint8_t* p) {
  return static_cast<uint32_t>(p[0]) | static_cast<uint32_t>(p[1]) << 8 | static_cast<uint32_t>(p[2]) << 16 |
         static_cast<uint32_t>(p[3]) << 24;
}

// One colour mask of a BI_BITFIELDS image: the bits it selects, scaled to 0..255 as PIL does
// (v * 255 / max, truncating).
struct ChannelMask {
  uint32_t mask = 0;
  int shift = 0;
  uint32_t max = 0;

  static Result<ChannelMask> make(uint32_t mask, const char* name) {
    ChannelMask m;
    m.mask = mask;
    if (mask == 0) return m;
    m.shift = std::countr_zero(mask);
    const uint32_t bits = mask >> m.shift;
    if ((bits & (bits + 1)) != 0) return unsupported(std::string("BMP ") + name + " mask is not contiguous");
    m.max = bits;
    return m;
  }
  uint8_t extract(uint32_t pixel) const {
    if (mask == 0) return 0;
    const uint32_t v = (pixel & mask) >> shift;
    return static_cast<uint8_t>(max == 255 ? v : static_cast<uint64_t>(v) * 255 / max);
  }
};

struct Header {
  int64_t width = 0;
  int64_t height = 0;  // negative: rows stored top-down
  int bits = 0;
  uint32_t compression = kBiRgb;
  uint32_t colors_used = 0;
  size_t palette_offset = 0;
  int palette_entry_bytes = 4;
  uint32_t masks[4] = {};  // R, G, B, A
  bool has_masks = false;
};

Result<Header> parse_header(std::span<const uint8_t> b) {
  if (b.size() < kFileHeaderBytes + 4) return corrupt("BMP file is truncated inside its header");
  const uint32_t dib_size = u32(&b[14]);
  if (dib_size < 12 || dib_size > b.size() - kFileHeaderBytes) {
    return corrupt("BMP header size " + std::to_string(dib_size) + " is invalid or beyond the end of the file");
  }
  const uint8_t* h = &b[kFileHeaderBytes];
  Header hd;
  hd.palette_offset = kFileHeaderBytes + dib_size;
  if (dib_size == 12) {  // BITMAPCOREHEADER (OS/2 1.x)
    hd.width = u16(h + 4);
    hd.height = u16(h + 6);
    hd.bits = u16(h + 10);
    hd.palette_entry_bytes = 3;
    return hd;
  }
  if (dib_size < 40) return unsupported("BMP header of " + std::to_string(dib_size) + " bytes is not supported");
  hd.width = static_cast<int32_t>(u32(h + 4));
  hd.height = static_cast<int32_t>(u32(h + 8));
  hd.bits = u16(h + 14);
  hd.compression = u32(h + 16);
  hd.colors_used = u32(h + 32);
  if (hd.compression == kBiBitfields || hd.compression == kBiAlphaBitfields) {
    const size_t mask_count = hd.compression == kBiAlphaBitfields ? 4 : 3;
    size_t mask_offset = kFileHeaderBytes + 40;
    if (dib_size == 40) {
      hd.palette_offset += mask_count * 4;  // the masks follow a plain BITMAPINFOHEADER
      if (hd.palette_offset > b.size()) return corrupt("BMP file is truncated inside its colour masks");
    }
    const size_t header_masks = dib_size >= 56 ? 4 : (dib_size >= 52 ? 3 : 0);
    const size_t available = dib_size == 40 ? mask_count : header_masks;
    if (available < 3) return corrupt("BMP colour masks are missing");
    for (size_t i = 0; i < available && i < 4; ++i) hd.masks[i] = u32(&b[mask_offset + 4 * i]);
    hd.has_masks = true;
  }
  return hd;
}

}  // namespace

Result<Image> decode_bmp(std::span<const uint8_t> b, const ImageLimits& limits) {
  CI_ASSIGN_OR_RETURN(Header hd, parse_header(b));
  const uint32_t data_offset = u32(&b[10]);
  if (hd.compression != kBiRgb && !hd.has_masks) {
    return unsupported("BMP compression " + std::to_string(hd.compression) +
                       " (RLE, JPEG or PNG inside BMP) is not supported; only uncompressed BMP is");
  }
  const bool palettised = hd.bits == 1 || hd.bits == 4 || hd.bits == 8;
  if (!palettised && hd.bits != 16 && hd.bits != 24 && hd.bits != 32) {
    return unsupported("BMP with " + std::to_string(hd.bits) + " bits per pixel is not supported");
  }
  if (hd.has_masks && hd.bits != 16 && hd.bits != 32) {
    return corrupt("BMP colour masks need 16 or 32 bits per pixel, not " + std::to_string(hd.bits));
  }
  const bool top_down = hd.height < 0;
  const int64_t height = top_down ? -hd.height : hd.height;
  CI_RETURN_IF_ERROR(check_image_size(hd.width, height, limits, "BMP"));
  const int width = static_cast<int>(hd.width);

  // Palette (BGR or BGRX entries).
  std::vector<uint8_t> palette;  // RGB triples
  bool grey_palette = true;
  if (palettised) {
    const uint32_t max_colors = 1u << hd.bits;
    const uint32_t colors = hd.colors_used == 0 ? max_colors : std::min(hd.colors_used, max_colors);
    const size_t palette_bytes = static_cast<size_t>(colors) * hd.palette_entry_bytes;
    if (hd.palette_offset > b.size() || palette_bytes > b.size() - hd.palette_offset) {
      return corrupt("BMP palette of " + std::to_string(colors) + " colours extends past the end of the file");
    }
    palette.assign(static_cast<size_t>(max_colors) * 3, 0);  // indices beyond the palette are black
    for (uint32_t i = 0; i < colors; ++i) {
      const uint8_t* e = &b[hd.palette_offset + static_cast<size_t>(i) * hd.palette_entry_bytes];
      palette[i * 3 + 0] = e[2];
      palette[i * 3 + 1] = e[1];
      palette[i * 3 + 2] = e[0];
      grey_palette = grey_palette && e[0] == e[1] && e[1] == e[2];
    }
  }

  // Direct colour: the default masks are 5-5-5 for 16 bits and 8-8-8 (BGRX) for 32 bits.
  uint32_t masks[4] = {0x7c00, 0x03e0, 0x001f, 0};
  if (hd.bits == 32) masks[0] = 0xff0000, masks[1] = 0xff00, masks[2] = 0xff;
  if (hd.has_masks) std::memcpy(masks, hd.masks, sizeof masks);
  ChannelMask channel_masks[4];
  static const char* const kNames[4] = {"red", "green", "blue", "alpha"};
  for (int i = 0; i < 4; ++i) {
    CI_ASSIGN_OR_RETURN(channel_masks[i], ChannelMask::make(masks[i], kNames[i]));
  }

  const int channels = palettised ? (grey_palette ? 1 : 3) : (masks[3] != 0 ? 4 : 3);
  const size_t stride = static_cast<size_t>((static_cast<int64_t>(width) * hd.bits + 31) / 32) * 4;
  if (data_offset < kFileHeaderBytes || data_offset > b.size() ||
      (b.size() - data_offset) / stride < static_cast<size_t>(height)) {
    return corrupt("BMP pixel data (" + std::to_string(width) + "x" + std::to_string(height) + ", " +
                   std::to_string(hd.bits) + " bits) extends past the end of the file: truncated?");
  }

  Image image;
  CI_RETURN_IF_ERROR(allocate_pixels(image, width, static_cast<int>(height), channels, limits, "BMP"));
  for (int64_t y = 0; y < height; ++y) {
    const uint8_t* src = &b[data_offset + stride * static_cast<size_t>(top_down ? y : height - 1 - y)];
    uint8_t* dst = image.pixels.data() + static_cast<size_t>(y) * width * channels;
    for (int x = 0; x < width; ++x, dst += channels) {
      if (palettised) {
        const int bit = x * hd.bits;
        const int index = (src[bit >> 3] >> (8 - hd.bits - (bit & 7))) & ((1 << hd.bits) - 1);
        const uint8_t* rgb = &palette[index * 3];
        dst[0] = rgb[0];
        if (channels == 3) dst[1] = rgb[1], dst[2] = rgb[2];
      } else if (hd.bits == 24) {
        dst[0] = src[x * 3 + 2], dst[1] = src[x * 3 + 1], dst[2] = src[x * 3 + 0];
      } else {
        const uint32_t pixel = hd.bits == 16 ? u16(src + x * 2) : u32(src + x * 4);
        for (int c = 0; c < channels; ++c) dst[c] = channel_masks[c].extract(pixel);
      }
    }
  }
  return image;
}

}  // namespace coreinfer::image_detail
