#include "graph/ops/nn/conv_nchwc.h"

#include <algorithm>
#include <vector>

#include "core/thread_pool.h"
#include "kernels/kernel_table.h"

namespace coreinfer::nn {
namespace {

// A worker's weights for the input blocks summed in one pass over its tiles (at most this many
// bytes) stay in L2 while every tile reads them.
constexpr int64_t kChunkBytes = 384 << 10;

int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }

}  // namespace

int NchwcWeights::group_blocks(int64_t g) const {
  const int64_t blocks = out_channels / kNchwcBlock;
  return static_cast<int>(std::min<int64_t>(kNchwcGroupBlocks, blocks - g * kNchwcGroupBlocks));
}

const float* NchwcWeights::at(int64_t g, int64_t block) const {
  // every group before g is full
  return data.as<float>() + g * in_blocks * block_floats(0) + block * block_floats(g);
}

NchwcWeights pack_nchwc_weights(const float* w, int64_t out_channels, int64_t in_channels, int64_t taps,
                                bool nchw_input) {
  NchwcWeights p;
  p.out_channels = out_channels;
  p.in_channels = in_channels;
  p.taps = taps;
  p.nchw_input = nchw_input;
  p.in_block = nchw_input ? in_channels : kNchwcBlock;
  p.in_blocks = in_channels / p.in_block;
  p.data.resize(static_cast<size_t>(out_channels * in_channels * taps) * sizeof(float));
  for (int64_t g = 0; g < p.groups(); ++g) {
    const int nb = p.group_blocks(g);
    const int64_t co0 = g * kNchwcGroupBlocks * kNchwcBlock;
    float* dst = const_cast<float*>(p.at(g, 0));
    for (int64_t cb = 0; cb < p.in_blocks; ++cb)
      for (int64_t t = 0; t < taps; ++t)
        for (int64_t ci = 0; ci < p.in_block; ++ci)
          for (int64_t co = 0; co < nb * kNchwcBlock; ++co)
            *dst++ = w[((co0 + co) * in_channels + cb * p.in_block + ci) * taps + t];
  }
  return p;
}

NchwcTileFn select_nchwc_tile(const kernels::KernelTable& table) {
#if defined(__x86_64__)
  if (kernels::has_avx512(table.isa)) return nchwc_tile_avx512;
#endif
  (void)table;
  return nchwc_tile_generic;
}

bool has_nchwc_kernels(const kernels::KernelTable& table) { return select_nchwc_tile(table) != nchwc_tile_generic; }

void run_nchwc_conv(const OpRunContext& ctx, NchwcTileFn tile, const NchwcWeights& w, const NchwcConvArgs& a) {
  const WindowGeometry& g = a.geometry;
  const int64_t H = g.in[1], W = g.in[2], OH = g.out[1], OW = g.out[2];
  const int64_t kh = g.kernel[1], kw = g.kernel[2];
  const int64_t out_blocks = w.out_channels / kNchwcBlock, plane = OH * OW;
  const int64_t pixels = a.batch * plane;
  if (pixels == 0 || out_blocks == 0) return;
  const bool nchw_input = w.nchw_input;
  const int64_t pixel_floats = nchw_input ? 1 : kNchwcBlock;  // input floats between neighbouring pixels
  const int64_t in_image = w.in_channels * H * W, out_image = out_blocks * plane * kNchwcBlock;
  const int64_t in_block_stride = H * W * w.in_block;

  const int64_t tiles = ceil_div(pixels, kNchwcTilePixels), groups = w.groups();

  // Workers on a grid of group ranges x tile ranges: the least work for the busiest, then the
  // most group ranges (each worker reads only its groups' weights). Layers with weights of at
  // most 1 MB split the pixels only: each worker then reads the pixels it wrote in the layer
  // before (ResNet-50's first two stages: their 1x1 layers 15-35% faster than split by groups).
  const int threads = ctx.pool ? ctx.pool->size() : 1;
  int64_t gp = 1, tp = 1, best = INT64_MAX;
  const bool small_weights = w.out_channels * w.in_channels * w.taps * 4 <= (1 << 20);
  for (int64_t i = 1; i <= threads && i <= (small_weights ? 1 : groups); ++i)
    for (int64_t j = 1; i * j <= threads && j <= tiles; ++j) {
      const int64_t work = ceil_div(groups, i) * ceil_div(tiles, j);
      if (work < best || (work == best && i > gp)) best = work, gp = i, tp = j;
    }
  const int64_t groups_per = ceil_div(groups, gp), tiles_per = ceil_div(tiles, tp);
  // A worker's weights that fit kChunkBytes are read for each tile in turn (the tile's input
  // then serves all its groups from L1); larger ones one group at a time, in ranges of input
  // blocks whose weights fit, each range read by all tiles before the next.
  const int64_t block_bytes = w.block_floats(0) * 4;  // a full group's, per input block
  const int64_t group_step = groups_per * w.in_blocks * block_bytes <= kChunkBytes ? groups_per : 1;
  const int64_t chunks = ceil_div(w.in_blocks, std::max<int64_t>(1, kChunkBytes / (group_step * block_bytes)));
  const int64_t chunk_blocks = ceil_div(w.in_blocks, chunks);

  // Tap t's offset from the pixel's window corner, for windows inside the image.
  std::vector<int64_t> tap_off(static_cast<size_t>(w.taps));
  for (int64_t i = 0; i < kh; ++i)
    for (int64_t j = 0; j < kw; ++j)
      tap_off[static_cast<size_t>(i * kw + j)] = (i * g.dilation[1] * W + j * g.dilation[2]) * pixel_floats;
  const int64_t window_h = (kh - 1) * g.dilation[1] + 1, window_w = (kw - 1) * g.dilation[2] + 1;

  ctx.parallel_for(gp * tp, 1, [&](int64_t w_begin, int64_t w_end) {
    std::vector<int64_t> in_off(static_cast<size_t>(w.taps * kNchwcTilePixels));
    int64_t out_off[kNchwcTilePixels], pixel_off[kNchwcTilePixels];
    NchwcTile t;
    t.x = a.x;
    t.pixel_off = pixel_off;
    t.tap_off = tap_off.data();
    t.taps = w.taps;
    t.in_block_stride = in_block_stride;
    t.in_block = static_cast<int>(w.in_block);
    t.ci_stride = nchw_input ? H * W : 1;
    t.out_off = out_off;
    t.out_block_stride = plane * kNchwcBlock;
    t.act = a.act;
    for (int64_t wi = w_begin; wi < w_end; ++wi) {
      const int64_t g_lo = wi / tp * groups_per, g_hi = std::min(groups, g_lo + groups_per);
      const int64_t t_lo = wi % tp * tiles_per, t_hi = std::min(tiles, t_lo + tiles_per);
      if (g_lo >= g_hi || t_lo >= t_hi) continue;  // (a grid cell past the end: nothing to do)
      for (int64_t g0 = g_lo; g0 < g_hi; g0 += group_step)
      for (int64_t b0 = 0; b0 < w.in_blocks; b0 += chunk_blocks) {
        t.in_blocks = std::min(chunk_blocks, w.in_blocks - b0);
        t.accumulate = b0 > 0;
        t.last = b0 + t.in_blocks == w.in_blocks;
        // One group at a time (weights too big to keep): the tiles share the fetching of the
        // next range, which follows this one in memory.
        int64_t next_lines = 0;
        if (group_step == 1) {
          t.prefetch = w.at(g0, b0 + t.in_blocks);  // (the next group's start after the last range)
          if (!t.last) {
            next_lines = std::min(chunk_blocks, w.in_blocks - b0 - t.in_blocks) * w.block_floats(g0) / 16;
          } else if (g0 + 1 < g_hi) {
            next_lines = std::min(chunk_blocks, w.in_blocks) * w.block_floats(g0 + 1) / 16;
          }
        }
        const int64_t lines_per_tile = ceil_div(next_lines, t_hi - t_lo);
        for (int64_t ti = t_lo; ti < t_hi; ++ti) {
          // Tile ti: pixels [ti * pixels / tiles, (ti + 1) * pixels / tiles), 5 or 6 of them.
          const int64_t q0 = ti * pixels / tiles, q1 = (ti + 1) * pixels / tiles;
          t.pixels = static_cast<int>(q1 - q0);
          int64_t n = q0 / plane, oh = q0 % plane / OW, ow = q0 % OW;
          int64_t x_image[kNchwcTilePixels], ih0[kNchwcTilePixels], iw0[kNchwcTilePixels];
          bool inside = true;
          for (int p = 0; p < t.pixels; ++p) {
            out_off[p] = n * out_image + (oh * OW + ow) * kNchwcBlock;
            x_image[p] = n * in_image + b0 * in_block_stride;
            ih0[p] = oh * g.stride[1] - g.pad_begin[1];
            iw0[p] = ow * g.stride[2] - g.pad_begin[2];
            pixel_off[p] = x_image[p] + (ih0[p] * W + iw0[p]) * pixel_floats;
            inside = inside && ih0[p] >= 0 && ih0[p] + window_h <= H && iw0[p] >= 0 && iw0[p] + window_w <= W;
            if (++ow == OW) {
              ow = 0;
              if (++oh == OH) oh = 0, ++n;
            }
          }
          t.in_off = inside ? nullptr : in_off.data();
          for (int p = 0; p < t.pixels && !inside; ++p) {
            int64_t* off = in_off.data() + p;
            for (int64_t i = 0; i < kh; ++i) {
              const int64_t ih = ih0[p] + i * g.dilation[1];
              const bool row_inside = static_cast<uint64_t>(ih) < static_cast<uint64_t>(H);
              for (int64_t j = 0; j < kw; ++j, off += kNchwcTilePixels) {
                const int64_t iw = iw0[p] + j * g.dilation[2];
                *off = row_inside && static_cast<uint64_t>(iw) < static_cast<uint64_t>(W)
                           ? x_image[p] + (ih * W + iw) * pixel_floats
                           : -1;
              }
            }
          }
          const int64_t first_line = (ti - t_lo) * lines_per_tile;
          t.prefetch_lines = std::clamp<int64_t>(next_lines - first_line, 0, lines_per_tile);
          const float* prefetch = t.prefetch;
          t.prefetch += first_line * 16;
          for (int64_t gi = g0; gi < std::min(g_hi, g0 + group_step); ++gi) {
            const int64_t y_group = gi * kNchwcGroupBlocks * t.out_block_stride;
            t.blocks = w.group_blocks(gi);
            t.w = w.at(gi, b0);
            t.y = a.y + y_group;
            t.bias = a.bias ? a.bias + gi * kNchwcGroupBlocks * kNchwcBlock : nullptr;
            t.residual = a.residual ? a.residual + y_group : nullptr;
            tile(t);
          }
          t.prefetch = prefetch;
        }
      }
    }
  });
}

}  // namespace coreinfer::nn
