#include "formats/image/preprocess.h"

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

namespace coreinfer {
namespace {

constexpr int kMaxSide = 16384;  // largest resize / crop / pad side accepted from options

// Source sample positions of one output axis: the two neighbours and the weight of the second.
struct AxisSamples {
  std::vector<int> i0, i1;
  std::vector<double> w1;
};

// Bilinear with half-pixel centres: src = (dst + 0.5) * (in / out) - 0.5, clamped to [0, in-1].
// This evaluation order and the lerp form a + (b - a) * t below reproduce the reference tensors
// bit for bit, including the uint8-rounded PaddleOCR ones (another order flips rare .5 ties).
// Only output positions [first, first + count) of the `out`-long axis are computed.
AxisSamples axis_samples(int in, int out, int first, int count) {
  AxisSamples s;
  s.i0.resize(count), s.i1.resize(count), s.w1.resize(count);
  const double ratio = static_cast<double>(in) / out;
  for (int k = 0; k < count; ++k) {
    const double src = std::max((static_cast<double>(first + k) + 0.5) * ratio - 0.5, 0.0);
    const int i0 = std::min(static_cast<int>(src), in - 1);
    s.i0[k] = i0;
    s.i1[k] = std::min(i0 + 1, in - 1);
    s.w1[k] = src - i0;
  }
  return s;
}

Status check_side(int64_t v, const char* what) {
  if (v <= 0 || v > kMaxSide) {
    return invalid_argument(std::string("preprocess: ") + what + " must be in 1.." + std::to_string(kMaxSide) +
                            ", got " + std::to_string(v));
  }
  return Status::ok();
}

std::string size_string(int64_t w, int64_t h) { return std::to_string(w) + "x" + std::to_string(h); }

// Where every output pixel comes from.
struct Geometry {
  int region_x = 0, region_y = 0, region_w = 0, region_h = 0;  // resized part of the image
  int resized_w = 0, resized_h = 0;
  int crop_x = 0, crop_y = 0, crop_w = 0, crop_h = 0;  // in resized coordinates
  int out_w = 0, out_h = 0;                           // after padding
};

Result<Geometry> plan(int image_w, int image_h, const PreprocessOptions& o) {
  Geometry g;
  g.region_w = image_w, g.region_h = image_h;
  if (o.region_width != 0 || o.region_height != 0) {
    if (o.region_x < 0 || o.region_y < 0 || o.region_width <= 0 || o.region_height <= 0 ||
        o.region_x > image_w - o.region_width || o.region_y > image_h - o.region_height) {
      return invalid_argument("preprocess: region " + size_string(o.region_width, o.region_height) + " at (" +
                              std::to_string(o.region_x) + "," + std::to_string(o.region_y) +
                              ") is not inside the " + size_string(image_w, image_h) + " image");
    }
    g.region_x = o.region_x, g.region_y = o.region_y, g.region_w = o.region_width, g.region_h = o.region_height;
  }
  if (o.resize == ResizeMode::kCenterSquareThenExact) {
    const int side = std::min(g.region_w, g.region_h);
    g.region_x += (g.region_w - side) / 2, g.region_y += (g.region_h - side) / 2;
    g.region_w = g.region_h = side;
  }

  int64_t resized_w = g.region_w, resized_h = g.region_h;
  switch (o.resize) {
    case ResizeMode::kNone: break;
    case ResizeMode::kShorterSide: {
      CI_RETURN_IF_ERROR(check_side(o.resize_shorter, "resize_shorter"));
      const int64_t shorter = std::min(g.region_w, g.region_h), longer = std::max(g.region_w, g.region_h);
      const int64_t scaled_longer = longer * o.resize_shorter / shorter;
      const bool landscape = g.region_w >= g.region_h;
      resized_w = landscape ? scaled_longer : o.resize_shorter;
      resized_h = landscape ? o.resize_shorter : scaled_longer;
      break;
    }
    case ResizeMode::kExact:
    case ResizeMode::kCenterSquareThenExact:
      CI_RETURN_IF_ERROR(check_side(o.resize_width, "resize_width"));
      CI_RETURN_IF_ERROR(check_side(o.resize_height, "resize_height"));
      resized_w = o.resize_width, resized_h = o.resize_height;
      break;
    case ResizeMode::kFixedHeight: {
      CI_RETURN_IF_ERROR(check_side(o.resize_width, "resize_width (the width cap)"));
      CI_RETURN_IF_ERROR(check_side(o.resize_height, "resize_height"));
      const double ratio = static_cast<double>(g.region_w) / g.region_h;
      resized_w = std::min<int64_t>(static_cast<int64_t>(std::ceil(o.resize_height * ratio)), o.resize_width);
      resized_h = o.resize_height;
      break;
    }
  }
  CI_RETURN_IF_ERROR(check_side(resized_w, "the resized width"));
  CI_RETURN_IF_ERROR(check_side(resized_h, "the resized height"));
  g.resized_w = static_cast<int>(resized_w), g.resized_h = static_cast<int>(resized_h);

  g.crop_w = g.resized_w, g.crop_h = g.resized_h;
  if (o.crop_width != 0 || o.crop_height != 0) {
    CI_RETURN_IF_ERROR(check_side(o.crop_width, "crop_width"));
    CI_RETURN_IF_ERROR(check_side(o.crop_height, "crop_height"));
    g.crop_w = o.crop_width, g.crop_h = o.crop_height;
  } else if (o.crop != 0) {
    CI_RETURN_IF_ERROR(check_side(o.crop, "crop"));
    g.crop_w = g.crop_h = o.crop;
  }
  if (g.crop_w > g.resized_w || g.crop_h > g.resized_h) {
    return invalid_argument("preprocess: crop " + size_string(g.crop_w, g.crop_h) + " is larger than the " +
                            (o.resize == ResizeMode::kNone ? "image " : "resized image ") +
                            size_string(g.resized_w, g.resized_h));
  }
  g.crop_x = (g.resized_w - g.crop_w) / 2, g.crop_y = (g.resized_h - g.crop_h) / 2;

  g.out_w = g.crop_w, g.out_h = g.crop_h;
  if (o.pad_width != 0) CI_RETURN_IF_ERROR(check_side(o.pad_width, "pad_width"));
  if (o.pad_height != 0) CI_RETURN_IF_ERROR(check_side(o.pad_height, "pad_height"));
  g.out_w = std::max(g.out_w, o.pad_width), g.out_h = std::max(g.out_h, o.pad_height);
  return g;
}

}  // namespace

PreprocessOptions PreprocessOptions::imagenet() { return {}; }

PreprocessOptions PreprocessOptions::mnist() {
  PreprocessOptions o;
  o.resize = ResizeMode::kNone;
  o.crop = 0;
  o.color = ColorMode::kGrey;
  o.mean = {0, 0, 0};
  o.std = {1, 1, 1};
  return o;
}

PreprocessOptions PreprocessOptions::blazeface(int side) {
  PreprocessOptions o;
  o.resize = ResizeMode::kCenterSquareThenExact;
  o.resize_width = o.resize_height = side;
  o.crop = 0;
  o.mean = {1, 1, 1};
  o.std = {1, 1, 1};
  o.scale = 1.0 / 127.5;
  o.nchw = false;
  return o;
}

Result<Tensor> preprocess_image(const Image& input, const PreprocessOptions& o) {
  if (input.width <= 0 || input.height <= 0 || input.channels < 1 || input.channels > 4 ||
      input.pixels.size() != static_cast<size_t>(input.width) * input.height * input.channels) {
    return invalid_argument("preprocess: the image is empty or inconsistent (" +
                            size_string(input.width, input.height) + "x" + std::to_string(input.channels) + ", " +
                            std::to_string(input.pixels.size()) + " bytes)");
  }
  const int channels = o.color == ColorMode::kGrey ? 1 : 3;
  for (int c = 0; c < channels; ++c) {
    if (o.std[c] == 0 || !std::isfinite(o.std[c]) || !std::isfinite(o.mean[c])) {
      return invalid_argument("preprocess: mean[" + std::to_string(c) + "] must be finite and std[" +
                              std::to_string(c) + "] finite and non-zero");
    }
  }
  if (!std::isfinite(o.scale)) return invalid_argument("preprocess: scale must be finite");
  CI_ASSIGN_OR_RETURN(const Geometry g, plan(input.width, input.height, o));

  // Channel conversion first, as PIL's convert() happens before any resizing.
  Image converted;
  const Image* image = &input;
  if (channels == 1 && input.channels != 1) {
    converted = to_grey(input), image = &converted;
  } else if (channels == 3 && input.channels != 3) {
    converted = to_rgb(input), image = &converted;
  }

  const Shape shape = o.nchw ? Shape{1, channels, g.out_h, g.out_w} : Shape{1, g.out_h, g.out_w, channels};
  CI_ASSIGN_OR_RETURN(Tensor tensor, Tensor::allocate(ElemType::kFloat, shape));
  float* out = tensor.data<float>();
  if (g.out_w != g.crop_w || g.out_h != g.crop_h) std::fill(out, out + tensor.numel(), o.pad_value);

  const AxisSamples xs = axis_samples(g.region_w, g.resized_w, g.crop_x, g.crop_w);
  const AxisSamples ys = axis_samples(g.region_h, g.resized_h, g.crop_y, g.crop_h);
  const size_t plane = static_cast<size_t>(g.out_w) * g.out_h;
  for (int y = 0; y < g.crop_h; ++y) {
    const double wy = ys.w1[y];
    const uint8_t* row0 = image->pixel(g.region_x, g.region_y + ys.i0[y]);
    const uint8_t* row1 = image->pixel(g.region_x, g.region_y + ys.i1[y]);
    for (int x = 0; x < g.crop_w; ++x) {
      const double wx = xs.w1[x];
      const size_t a = static_cast<size_t>(xs.i0[x]) * channels, b = static_cast<size_t>(xs.i1[x]) * channels;
      for (int c = 0; c < channels; ++c) {
        const int sc = o.color == ColorMode::kBgr ? 2 - c : c;
        const double top = row0[a + sc] + (row0[b + sc] - row0[a + sc]) * wx;
        const double bottom = row1[a + sc] + (row1[b + sc] - row1[a + sc]) * wx;
        double v = top + (bottom - top) * wy;
        if (o.round_resized_to_uint8) v = std::floor(v + 0.5);
        const size_t index = o.nchw ? c * plane + static_cast<size_t>(y) * g.out_w + x
                                    : (static_cast<size_t>(y) * g.out_w + x) * channels + c;
        out[index] = static_cast<float>((v * o.scale - o.mean[c]) / o.std[c]);
      }
    }
  }
  return tensor;
}

Result<Image> crop_image(const Image& image, int x, int y, int width, int height) {
  if (x < 0 || y < 0 || width <= 0 || height <= 0 || x > image.width - width || y > image.height - height) {
    return invalid_argument("crop " + size_string(width, height) + " at (" + std::to_string(x) + "," +
                            std::to_string(y) + ") is not inside the " + size_string(image.width, image.height) +
                            " image");
  }
  Image out{width, height, image.channels, {}};
  out.pixels.resize(static_cast<size_t>(width) * height * image.channels);
  const size_t row_bytes = static_cast<size_t>(width) * image.channels;
  for (int r = 0; r < height; ++r) {
    std::copy_n(image.pixel(x, y + r), row_bytes, out.pixels.data() + r * row_bytes);
  }
  return out;
}

Image rotate_180(const Image& image) {
  Image out{image.width, image.height, image.channels, {}};
  out.pixels.resize(image.pixels.size());
  const size_t n = static_cast<size_t>(image.width) * image.height;
  const int c = image.channels;
  for (size_t i = 0; i < n; ++i) std::copy_n(&image.pixels[i * c], c, &out.pixels[(n - 1 - i) * c]);
  return out;
}

}  // namespace coreinfer
