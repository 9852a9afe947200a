// Image -> input tensor for vision models. The steps, in order:
//   1. channel conversion as PIL's convert() (grey replicated, alpha dropped, or luma for kGrey);
//   2. optional source region (a crop of the decoded image, e.g. a detected text line);
//   3. resize (ResizeMode): bilinear with half-pixel centres, src = (dst + 0.5) * (in / out) - 0.5
//      clamped to the edge, no antialiasing, in float64 (= ONNX Resize linear/half_pixel, torch
//      interpolate(bilinear, align_corners=False, antialias=False)); optionally rounded to uint8;
//   4. centre crop at (floor((W'-w)/2), floor((H'-h)/2));
//   5. v = (x * scale - mean[c]) / std[c], stored as float32;
//   6. optional padding on the right / bottom with pad_value;
//   layout NCHW [1,C,H,W] or NHWC [1,H,W,C]. Only the cropped part of the resized image is computed.
#pragma once

#include <array>

#include "formats/image/image.h"
#include "graph/tensor.h"

namespace coreinfer {

enum class ResizeMode {
  kNone,                   // use the image (region) as it is
  kShorterSide,            // shorter side -> resize_shorter, longer side floor(long * resize_shorter / short)
  kExact,                  // -> resize_width x resize_height (aspect ratio not kept)
  kCenterSquareThenExact,  // centre square (side min(w,h), offset floor) -> resize_width x resize_height
  kFixedHeight,            // height -> resize_height, width ceil(resize_height * (w / h)) capped at resize_width
};

enum class ColorMode {
  kRgb,   // 3 channels R, G, B
  kBgr,   // 3 channels B, G, R (models trained on OpenCV images)
  kGrey,  // 1 channel
};

struct PreprocessOptions {
  // Source region in decoded-image pixels; width/height 0 = the whole image.
  int region_x = 0, region_y = 0, region_width = 0, region_height = 0;

  ResizeMode resize = ResizeMode::kShorterSide;
  int resize_shorter = 256;
  int resize_width = 0;  // kExact, kCenterSquareThenExact; the width cap of kFixedHeight
  int resize_height = 0;
  // Round every resized value to the nearest integer (half up), as resizers working on 8-bit
  // images do (PaddleOCR's tools).
  bool round_resized_to_uint8 = false;

  // Centre crop of the resized image; 0 = none. crop_width/crop_height override `crop`.
  int crop = 224;
  int crop_width = 0;
  int crop_height = 0;

  ColorMode color = ColorMode::kRgb;
  // Per output channel in the ColorMode's order; kGrey uses element 0.
  std::array<double, 3> mean{0.485, 0.456, 0.406};
  std::array<double, 3> std{0.229, 0.224, 0.225};
  double scale = 1.0 / 255.0;

  // Pad the result on the right / bottom up to this size (0 = no padding) with pad_value
  // (a value of the normalised output).
  int pad_width = 0;
  int pad_height = 0;
  float pad_value = 0.0f;

  bool nchw = true;  // false: NHWC

  // Presets for common model families.
  static PreprocessOptions imagenet();           // shorter side 256, crop 224, ImageNet mean/std, NCHW RGB
  static PreprocessOptions mnist();              // grey as it is, x/255, [1,1,H,W]
  static PreprocessOptions blazeface(int side);  // centre square -> side x side, x/127.5 - 1, NHWC RGB
};

// Fails with a clear message on an empty image, a region outside the image, a crop larger than
// the resized image, sizes out of 1..16384 or a zero std.
Result<Tensor> preprocess_image(const Image& image, const PreprocessOptions& options);

// Small image operations for callers that prepare inputs (e.g. a text line rotated 180°).
Result<Image> crop_image(const Image& image, int x, int y, int width, int height);
Image rotate_180(const Image& image);

}  // namespace coreinfer
