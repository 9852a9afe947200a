// QLinearConv on channels-last (NHWC) tensors, the layout of com.microsoft's QLinearConv with
// channels_last = 1 and of coreinfer's int8 layout pass (passes.h): the GEMM of conv_gemm_nhwc.h
// over rows of output pixels (a pointwise convolution reads the input pixels in place, others
// gather their windows), and the channels-last depthwise kernel of depthwise_int8.h. Rows are
// split between threads in contiguous ranges, so each thread reads the pixels it wrote in the
// convolution before.
#pragma once

#include <cstdint>
#include <vector>

#include "graph/op_kernel.h"
#include "graph/ops/quant/conv_gemm_nhwc.h"
#include "graph/ops/quant/conv_geometry.h"

namespace coreinfer::quant {

struct DepthwiseInt8Plane;

struct NhwcConvArgs {
  const uint8_t* x = nullptr;  // [batch][in_h][in_w][channels] stored bytes, or NCHW with x_nchw
  bool x_nchw = false;
  uint8_t* y = nullptr;        // [batch][out_h][out_w][out_channels]
  int64_t batch = 0, channels = 0, out_channels = 0, groups = 1;
  Window2d win;
  uint8_t flip = 0;        // 0x80 when x is int8
  uint8_t x_zero_raw = 0;  // the stored byte of x_zero_point (padding)
  const std::vector<PackedNhwcWeights>* packed = nullptr;  // one per group, K in (kh, kw, c) order ((c, kh, kw) with x_nchw)
  // per output channel, readable 16 values past out_channels
  const int32_t* term = nullptr;  // bias - xz * weight_sum + K * xz * wz
  const float* scale = nullptr;   // x_scale * w_scale / y_scale
  int32_t y_zero = 0;
  float lo = 0, hi = 255;
  bool y_signed = false;
  bool small_scales = false;  // as NhwcRequantOutput::small_scales
};

void run_nhwc_conv_gemm(const OpRunContext& ctx, const NhwcConvArgs& a, NhwcGemmFn gemm);

#if defined(__x86_64__)
// channels[c]: channel c's weights and constants (x and y unused); every image, all channels.
void run_nhwc_depthwise_int8(const OpRunContext& ctx, const DepthwiseInt8Plane* channels, const uint8_t* x, uint8_t* y,
                             int64_t batch, int64_t channels_count, const Window2d& g);
#endif

// 8-bit layout changes of [n][c][pixels] <-> [n][pixels][c].
void nchw_to_nhwc_u8(const uint8_t* x, int64_t n, int64_t c, int64_t pixels, uint8_t* y);
void nhwc_to_nchw_u8(const uint8_t* x, int64_t n, int64_t c, int64_t pixels, uint8_t* y);

}  // namespace coreinfer::quant
