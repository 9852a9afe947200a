// 2-D convolution in the blocked layout NCHWc: a tensor [N, C, H, W] is stored as
// [N, C / 16, H, W, 16], 16 channels (one AVX-512 vector) per pixel in each block. An output
// tile is up to 6 pixels x up to 4 blocks of 16 output channels (24 vector accumulators); each
// input channel of each kernel tap adds one broadcast input value times one weight vector per
// output block. Nothing is copied: every pixel reads its taps in place (padding reads a block of
// zeros), so strided, padded and 7x7 layers cost what 1x1 ones do per multiply-add.
#pragma once

#include <cstdint>
#include <vector>

#include "core/aligned_buffer.h"
#include "graph/activation.h"
#include "graph/op_kernel.h"
#include "graph/ops/nn/window_geometry.h"

namespace coreinfer::kernels {
struct KernelTable;
}  // namespace coreinfer::kernels

namespace coreinfer::nn {

inline constexpr int kNchwcBlock = 16;      // channels per block
inline constexpr int kNchwcGroupBlocks = 4;  // output blocks per weight group (64 channels)
inline constexpr int kNchwcTilePixels = 6;   // pixels per output tile, at most

// Conv weights [M, C, kh, kw] (M a multiple of 16) in groups of 64 output channels (the last
// group may hold fewer blocks); within a group: input block, tap, input channel, then the
// group's output channels. The input is blocked (C a multiple of 16: blocks of 16 channels) or,
// for a convolution reading an NCHW tensor, one block of all C channels.
struct NchwcWeights {
  int64_t out_channels = 0, in_channels = 0, taps = 0;
  int64_t in_block = 0;   // channels per input block: 16, or C for NCHW input
  int64_t in_blocks = 0;  // C / in_block
  bool nchw_input = false;
  AlignedBuffer data;  // floats
  int64_t groups() const { return (out_channels / kNchwcBlock + kNchwcGroupBlocks - 1) / kNchwcGroupBlocks; }
  int group_blocks(int64_t g) const;  // output blocks in group g: 1..4
  int64_t block_floats(int64_t g) const { return taps * in_block * group_blocks(g) * kNchwcBlock; }  // per input block
  // The weights of group g from input block `block` on.
  const float* at(int64_t g, int64_t block) const;
};
NchwcWeights pack_nchwc_weights(const float* w, int64_t out_channels, int64_t in_channels, int64_t taps,
                                bool nchw_input);

// One output tile over a range of input blocks.
struct NchwcTile {
  int pixels = 0;  // 1..kNchwcTilePixels
  int blocks = 0;  // output blocks: 1..kNchwcGroupBlocks
  // Where pixel p reads tap t in the first input block (from x): in_off[t * kNchwcTilePixels + p],
  // -1 where the tap falls in the padding; or, for a tile whose windows lie inside the image
  // (in_off null), pixel_off[p] + tap_off[t].
  const float* x = nullptr;
  const int64_t* in_off = nullptr;
  const int64_t* pixel_off = nullptr;
  const int64_t* tap_off = nullptr;
  int64_t taps = 0;
  int64_t in_blocks = 0;
  int64_t in_block_stride = 0;  // floats between input blocks
  int in_block = kNchwcBlock;   // channels per input block
  int64_t ci_stride = 1;        // floats between a block's channels: 1, or H * W for NCHW input
  const float* w = nullptr;     // NchwcWeights::at(group, first block)
  // Outputs: block b of pixel p at y[b * out_block_stride + out_off[p]], 16 channels.
  float* y = nullptr;
  const int64_t* out_off = nullptr;
  int64_t out_block_stride = 0;
  bool accumulate = false;  // add to y (a later range of input blocks)
  bool last = true;         // the last range: add bias and residual, apply the activation
  const float* bias = nullptr;      // the group's channels, or nullptr
  const float* residual = nullptr;  // laid out like y, or nullptr
  Activation act;
  // Weights of the next range of input blocks, fetched while this tile computes (a layer's
  // weights come from memory once; without this the first tile of each range waits). The
  // AVX-512 kernel fetches them non-temporal: used by one layer per run, they then do not push
  // the activations out of L3 (ResNet-50's last stage 11% faster than fetched into L2).
  const float* prefetch = nullptr;
  int64_t prefetch_lines = 0;  // 64-byte lines from prefetch on
};

using NchwcTileFn = void (*)(const NchwcTile& t);
void nchwc_tile_generic(const NchwcTile& t);
#if defined(__x86_64__)
void nchwc_tile_avx512(const NchwcTile& t);
#endif
NchwcTileFn select_nchwc_tile(const kernels::KernelTable& table);
// Whether the table's ISA has a fast NCHWc kernel (the layout pass runs only then).
bool has_nchwc_kernels(const kernels::KernelTable& table);

// y (NCHWc, [N, M/16, OH, OW, 16]) = conv(x) + bias (+ residual, laid out like y), then act.
// x is NCHWc ([N, C/16, H, W, 16]) or, when w was packed for NCHW input, NCHW.
struct NchwcConvArgs {
  const float* x = nullptr;
  float* y = nullptr;
  const float* bias = nullptr;
  const float* residual = nullptr;
  int64_t batch = 0;
  WindowGeometry geometry;  // 2-D (spatial index 1 and 2)
  Activation act;
};
void run_nchwc_conv(const OpRunContext& ctx, NchwcTileFn tile, const NchwcWeights& w, const NchwcConvArgs& a);

}  // namespace coreinfer::nn
