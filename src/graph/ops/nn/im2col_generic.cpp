#include "graph/ops/nn/im2col.h"
#include "graph/ops/nn/im2col_impl.h"
#include "kernels/kernel_table.h"

namespace coreinfer::nn {

void pack_im2col_batched(const float* x, int64_t image_stride, const WindowGeometry& g, int nr, int64_t k0,
                         int64_t kc, int64_t n0, int64_t nc, float* dst) {
  pack_im2col_impl(x, image_stride, g, nr, k0, kc, n0, nc, dst);
}

Im2colPackFn select_im2col_packer(const kernels::KernelTable& table) {
#if defined(__x86_64__)
  if (kernels::has_avx512(table.isa)) return pack_im2col_batched_avx512;
#endif
  (void)table;
  return pack_im2col_batched;
}

}  // namespace coreinfer::nn
