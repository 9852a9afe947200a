// MatMul with a B read through a perm that swaps its last two axes (DLRM's interaction
// Z = X · X^T): B^T's rows are contiguous, so each item's B is first transposed into a
// contiguous [K, N] block (vectorised tiles), then small items run a register-blocked direct
// product that never packs A. Compiled per ISA like the depthwise kernels.
#pragma once

#include <cstdint>

namespace coreinfer::kernels {
struct KernelTable;
}

namespace coreinfer::nn {

// Row stride of the block nt_pack writes for n columns: n rounded up to 16 floats.
inline int64_t nt_packed_ld(int64_t n) { return (n + 15) / 16 * 16; }

// bp[p * ld + j] = bt[j * bt_rs + p] for j < n, p < k (bt: n rows of k contiguous floats);
// columns [n, ld) of bp are zeroed. ld >= nt_packed_ld(n).
using NtPackFn = void (*)(const float* bt, int64_t bt_rs, int64_t n, int64_t k, float* bp, int64_t ld);
// c[i * ldc + j] = sum_p a[i * a_rs + p * a_cs] * bp[p * ld + j] for i < m, j < n, with
// ld >= nt_packed_ld(n) and bp's columns [n, ld) readable (nt_pack zeroes them). symmetric: bp
// is A transposed (m == n, X · X^T), so only about the lower triangle is computed and the rest
// mirrored (exactly equal: each product is the same pair of floats in the same order).
using SmallGemmFn = void (*)(int64_t m, int64_t n, int64_t k, const float* a, int64_t a_rs, int64_t a_cs,
                             const float* bp, int64_t ld, float* c, int64_t ldc, bool symmetric);

void nt_pack_generic(const float* bt, int64_t bt_rs, int64_t n, int64_t k, float* bp, int64_t ld);
void small_gemm_generic(int64_t m, int64_t n, int64_t k, const float* a, int64_t a_rs, int64_t a_cs, const float* bp,
                        int64_t ld, float* c, int64_t ldc, bool symmetric);
#if defined(__x86_64__)
void nt_pack_avx512(const float* bt, int64_t bt_rs, int64_t n, int64_t k, float* bp, int64_t ld);
void small_gemm_avx512(int64_t m, int64_t n, int64_t k, const float* a, int64_t a_rs, int64_t a_cs, const float* bp,
                       int64_t ld, float* c, int64_t ldc, bool symmetric);
#endif

struct NtKernels {
  NtPackFn pack = nt_pack_generic;
  SmallGemmFn gemm = small_gemm_generic;
};
NtKernels select_nt_kernels(const kernels::KernelTable& table);

// c[i * ldc + j] = c[j * ldc + i] for j > i (the upper triangle of a symmetric result).
inline void mirror_lower(int64_t n, float* c, int64_t ldc) {
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = i + 1; j < n; ++j) c[i * ldc + j] = c[j * ldc + i];
}

}  // namespace coreinfer::nn
