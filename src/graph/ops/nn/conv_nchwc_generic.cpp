// The NCHWc tile written out plainly: the reference for the AVX-512 kernel, and the kernel on
// every other CPU.
#include "graph/ops/nn/bias_act_impl.h"
#include "graph/ops/nn/conv_nchwc.h"

namespace coreinfer::nn {

void nchwc_tile_generic(const NchwcTile& t) {
  constexpr int B = kNchwcBlock;
  float acc[kNchwcTilePixels][kNchwcGroupBlocks][B];
  for (int p = 0; p < t.pixels; ++p)
    for (int b = 0; b < t.blocks; ++b)
      for (int l = 0; l < B; ++l) acc[p][b][l] = t.accumulate ? t.y[b * t.out_block_stride + t.out_off[p] + l] : 0.0f;
  const float* w = t.w;
  for (int64_t cb = 0; cb < t.in_blocks; ++cb)
    for (int64_t tap = 0; tap < t.taps; ++tap) {
      int64_t off[kNchwcTilePixels];
      for (int p = 0; p < t.pixels; ++p)
        off[p] = t.in_off ? t.in_off[tap * kNchwcTilePixels + p] : t.pixel_off[p] + t.tap_off[tap];
      for (int ci = 0; ci < t.in_block; ++ci, w += t.blocks * B)
        for (int p = 0; p < t.pixels; ++p) {
          const float x = off[p] < 0 ? 0.0f : t.x[off[p] + cb * t.in_block_stride + ci * t.ci_stride];
          for (int b = 0; b < t.blocks; ++b)
            for (int l = 0; l < B; ++l) acc[p][b][l] += x * w[b * B + l];
        }
    }
  for (int p = 0; p < t.pixels; ++p)
    for (int b = 0; b < t.blocks; ++b) {
      const int64_t o = b * t.out_block_stride + t.out_off[p];
      float* y = t.y + o;
      for (int l = 0; l < B; ++l) {
        float v = acc[p][b][l];
        if (t.last && t.bias) v += t.bias[b * B + l];
        if (t.last && t.residual) v += t.residual[o + l];
        y[l] = v;
      }
      if (t.last) detail::bias_act(y, B, 0.0f, nullptr, t.act);
    }
}

}  // namespace coreinfer::nn
