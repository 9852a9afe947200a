// Exact integer depthwise plane for 8-bit input and output with AVX-512 VNNI. For each output row
// and 16 output columns, every kernel row is one masked load of the input row (padding reads the
// zero point's byte), a dword permute + in-lane byte shuffle that gathers, per output, up to 4
// taps of that row into one 32-bit word, and one vpdpbusd against the row's 4 weights. As in
// conv_gemm.h activations are in the uint8 domain (int8 XOR 0x80) and weights in int8:
//   acc = D - sz * U + constant,  D = sum u*s,  U = sum u  (only when sz != 0),
//   constant = bias - uz * sum(s) + taps * uz * sz,
// then requantised exactly as requantize() does.
#pragma once

#include <cstddef>
#include <cstdint>

#include "graph/ops/quant/conv_geometry.h"
#include "graph/ops/quant/quant_util.h"

namespace coreinfer::quant {

struct DepthwiseInt8Plane {
  const uint8_t* x = nullptr;  // stored input bytes, in_h x in_w
  uint8_t* y = nullptr;        // stored output bytes, out_h x out_w
  const int8_t* w = nullptr;   // k_h x k_w weights in the int8 domain (s)
  uint8_t flip = 0;            // 0x80 when x is int8
  bool y_signed = false;       // y is int8 (else uint8)
  uint8_t x_zero_raw = 0;      // the stored byte of x_zero_point (padding value)
  int32_t w_zero = 0;          // sz, the weight zero point in the int8 domain
  int32_t constant = 0;        // bias - uz * sum(s) + taps * uz * sz
  Requant rq;
};

// Geometries the kernel handles: the taps of 4 outputs in one 16-byte lane, kernel rows of at
// most 8 taps, at most 64 quads of taps per plane.
inline bool depthwise_int8_fits(const Window2d& g) {
  return g.stride_w <= 4 && 3 * g.stride_w + 3 * g.dil_w <= 15 && g.k_w <= 8 && g.k_h * ((g.k_w + 3) / 4) <= 64;
}

#if defined(__x86_64__)
// `count` planes of one geometry (the shuffle tables are built once for all of them).
void depthwise_int8_planes_avx512vnni(const DepthwiseInt8Plane* planes, int64_t count, const Window2d& g);
// The same results with 16 channels in the lanes (depthwise_int8_nhwc_avx512vnni.cpp): any
// geometry of at most 64 taps; prefers_nhwc says where it is the faster one.
// `scratch`: depthwise_int8_nhwc_scratch_bytes(g) bytes, 64-byte aligned.
void depthwise_int8_nhwc_avx512vnni(const DepthwiseInt8Plane* planes, int64_t count, const Window2d& g, uint8_t* scratch);
size_t depthwise_int8_nhwc_scratch_bytes(const Window2d& g);
bool depthwise_int8_prefers_nhwc(const Window2d& g);
// Channels-last tensors: channel c of input pixel i at x[i * ldx + c], of output pixel i at
// y[i * ldy + c], for the `count` channels described by channels[c] (their x and y unused), with
// the same results as the planes above. `scratch` as above.
void depthwise_int8_channels_last_avx512vnni(const DepthwiseInt8Plane* channels, int64_t count, const uint8_t* x,
                                             int64_t ldx, uint8_t* y, int64_t ldy, const Window2d& g, uint8_t* scratch);
bool depthwise_int8_channels_last_fits(const Window2d& g);  // any kernel of <= 64 taps on a padded plane up to 1024x1024
#endif

}  // namespace coreinfer::quant
