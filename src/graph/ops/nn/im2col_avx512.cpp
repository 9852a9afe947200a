// The im2col packer built with AVX-512: its copies move 64 bytes at a time (the baseline build's
// move 16), which matters where a conv has few output channels to share each packed value
// (64 at ResNet-50's first stage, where the baseline packer took a third of the 3x3 conv).
#if defined(__x86_64__)
#include "graph/ops/nn/im2col.h"
#include "graph/ops/nn/im2col_impl.h"

namespace coreinfer::nn {

void pack_im2col_batched_avx512(const float* x, int64_t image_stride, const WindowGeometry& g, int nr, int64_t k0,
                                int64_t kc, int64_t n0, int64_t nc, float* dst) {
  pack_im2col_impl(x, image_stride, g, nr, k0, kc, n0, nc, dst);
}

}  // namespace coreinfer::nn
#endif
