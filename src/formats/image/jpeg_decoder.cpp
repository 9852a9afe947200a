// JPEG through libjpeg-turbo with the library defaults PIL uses (JDCT_ISLOW, fancy upsampling,
// block smoothing), so pixels are bit-identical to PIL's. libjpeg reports fatal errors through
// error_exit, which must not return: we longjmp back and turn it into a Status.
#include <algorithm>
#include <csetjmp>
#include <cstdio>
#include <memory>
// jpeglib.h needs size_t and FILE declared first.
#include <jpeglib.h>
#include <jerror.h>

#include "formats/image/image_decoders.h"

namespace coreinfer::image_detail {
namespace {

struct ErrorManager {
  jpeg_error_mgr pub;  // first member: libjpeg hands us a pointer to it
  std::jmp_buf jump;
  char message[JMSG_LENGTH_MAX];
};

[[noreturn]] void on_error_exit(j_common_ptr cinfo) {
  auto* err = reinterpret_cast<ErrorManager*>(cinfo->err);
  (*cinfo->err->format_message)(cinfo, err->message);
  std::longjmp(err->jump, 1);
}

// Warnings (level -1) are ignored as PIL ignores them, except running out of data: the memory
// source then invents an end-of-image marker and the picture would be silently grey at the bottom.
void on_emit_message(j_common_ptr cinfo, int msg_level) {
  if (msg_level == -1 && cinfo->err->msg_code == JWRN_JPEG_EOF) {
    auto* err = reinterpret_cast<ErrorManager*>(cinfo->err);
    std::snprintf(err->message, sizeof err->message, "the data is truncated (premature end of file)");
    std::longjmp(err->jump, 1);
  }
}

void on_output_message(j_common_ptr) {}

// A progressive JPEG can hold thousands of tiny scans that take minutes to decode; real files
// have about ten (libjpeg-turbo's documentation suggests such a limit for untrusted input).
constexpr int kMaxScans = 1000;

void on_progress(j_common_ptr cinfo) {
  auto* dinfo = reinterpret_cast<j_decompress_ptr>(cinfo);
  if (dinfo->input_scan_number > kMaxScans) {
    auto* err = reinterpret_cast<ErrorManager*>(cinfo->err);
    std::snprintf(err->message, sizeof err->message, "more than %d progressive scans", kMaxScans);
    std::longjmp(err->jump, 1);
  }
}

// PIL's CMYK -> RGB: R = (255 - K) - (C * (255 - K)) / 255 with PIL's rounded division.
uint8_t cmyk_channel(int c, int k) {
  const int nk = 255 - k;
  const int t = c * nk + 128;
  return static_cast<uint8_t>(nk - (((t >> 8) + t) >> 8));
}

// State touched between setjmp and longjmp lives here, outside the setjmp frame's locals.
struct Decode {
  jpeg_decompress_struct cinfo{};
  ErrorManager err{};
  jpeg_progress_mgr progress{};
  Image image;
  std::vector<uint8_t> row;
  Status status;
};

// Runs the libjpeg calls. No C++ object with a destructor is created between setjmp and a
// possible longjmp in this function (all of them live in `d`).
bool run(Decode& d, std::span<const uint8_t> bytes, const ImageLimits& limits) {
  if (setjmp(d.err.jump)) return false;
  jpeg_create_decompress(&d.cinfo);
  d.cinfo.progress = &d.progress;  // after create, which clears the struct
  jpeg_mem_src(&d.cinfo, bytes.data(), static_cast<unsigned long>(bytes.size()));
  jpeg_read_header(&d.cinfo, TRUE);
  int channels = 3;
  bool cmyk = false;
  switch (d.cinfo.jpeg_color_space) {
    case JCS_GRAYSCALE:
      d.cinfo.out_color_space = JCS_GRAYSCALE;
      channels = 1;
      break;
    case JCS_CMYK:
    case JCS_YCCK:
      d.cinfo.out_color_space = JCS_CMYK;
      cmyk = true;
      break;
    default:
      d.cinfo.out_color_space = JCS_RGB;
      break;
  }
  d.status = allocate_pixels(d.image, static_cast<int>(std::min<JDIMENSION>(d.cinfo.image_width, 1u << 30)),
                             static_cast<int>(std::min<JDIMENSION>(d.cinfo.image_height, 1u << 30)), channels,
                             limits, "JPEG");
  if (!d.status.is_ok()) return true;
  jpeg_start_decompress(&d.cinfo);
  if (d.cinfo.output_width != d.cinfo.image_width || d.cinfo.output_height != d.cinfo.image_height ||
      d.cinfo.output_components != (cmyk ? 4 : channels)) {
    d.status = internal_error("libjpeg produced an unexpected output layout");
    return true;
  }
  const size_t out_stride = static_cast<size_t>(d.image.width) * channels;
  d.row.resize(static_cast<size_t>(d.image.width) * 4);
  while (d.cinfo.output_scanline < d.cinfo.output_height) {
    uint8_t* dst = d.image.pixels.data() + d.cinfo.output_scanline * out_stride;
    JSAMPROW rows[1] = {cmyk ? d.row.data() : dst};
    jpeg_read_scanlines(&d.cinfo, rows, 1);
    if (cmyk) {
      // Adobe writes CMYK JPEGs inverted (PIL's "CMYK;I" raw mode).
      const bool inverted = d.cinfo.saw_Adobe_marker;
      for (int x = 0; x < d.image.width; ++x) {
        int v[4];
        for (int k = 0; k < 4; ++k) v[k] = inverted ? 255 - d.row[x * 4 + k] : d.row[x * 4 + k];
        for (int k = 0; k < 3; ++k) dst[x * 3 + k] = cmyk_channel(v[k], v[3]);
      }
    }
  }
  jpeg_finish_decompress(&d.cinfo);
  return true;
}

}  // namespace

Result<Image> decode_jpeg(std::span<const uint8_t> bytes, const ImageLimits& limits) {
  auto d = std::make_unique<Decode>();
  d->cinfo.err = jpeg_std_error(&d->err.pub);
  d->err.pub.error_exit = on_error_exit;
  d->err.pub.emit_message = on_emit_message;
  d->err.pub.output_message = on_output_message;
  d->progress.progress_monitor = on_progress;
  const bool completed = run(*d, bytes, limits);
  jpeg_destroy_decompress(&d->cinfo);
  if (!completed) return corrupt(std::string("invalid JPEG data: ") + d->err.message);
  if (!d->status.is_ok()) return d->status;
  return std::move(d->image);
}

}  // namespace coreinfer::image_detail
