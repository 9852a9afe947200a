// Portable NT packing and small direct product (the compiler vectorises the inner loop over j),
// plus the choice between them and the AVX-512 versions.
#include "graph/ops/nn/matmul_nt.h"

#include "kernels/kernel_table.h"

namespace coreinfer::nn {

void nt_pack_generic(const float* bt, int64_t bt_rs, int64_t n, int64_t k, float* bp, int64_t ld) {
  constexpr int64_t kTile = 16;  // a tile of bt rows stays in L1 while its columns are written out
  for (int64_t j0 = 0; j0 < n; j0 += kTile) {
    const int64_t j1 = j0 + kTile < n ? j0 + kTile : n;
    for (int64_t p = 0; p < k; ++p)
      for (int64_t j = j0; j < j1; ++j) bp[p * ld + j] = bt[j * bt_rs + p];
  }
  for (int64_t p = 0; p < k; ++p)
    for (int64_t j = n; j < ld; ++j) bp[p * ld + j] = 0.0f;
}

void small_gemm_generic(int64_t m, int64_t n, int64_t k, const float* a, int64_t a_rs, int64_t a_cs, const float* bp,
                        int64_t ld, float* c, int64_t ldc, bool symmetric) {
  for (int64_t i = 0; i < m; ++i) {
    float* ci = c + i * ldc;
    const int64_t cols = symmetric ? i + 1 : n;
    for (int64_t j = 0; j < cols; ++j) ci[j] = 0.0f;
    for (int64_t p = 0; p < k; ++p) {
      const float av = a[i * a_rs + p * a_cs];
      const float* b = bp + p * ld;
      for (int64_t j = 0; j < cols; ++j) ci[j] += av * b[j];
    }
  }
  if (symmetric) mirror_lower(n, c, ldc);
}

NtKernels select_nt_kernels(const kernels::KernelTable& table) {
  NtKernels k;
#if defined(__x86_64__)
  if (kernels::has_avx512(table.isa)) {
    k.pack = nt_pack_avx512;
    k.gemm = small_gemm_avx512;
  }
#else
  (void)table;
#endif
  return k;
}

}  // namespace coreinfer::nn
