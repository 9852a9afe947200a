// The fp32 "NT" GEMMs of the x86 levels (signature and meaning: GemmNtF32Fn in kernel_table.h).
// Each lives in its own file compiled with that level's flags; call them only when the CPU has
// the level (register_math_avx2 / register_math_avx512 do that).
#pragma once

#include <cstdint>

namespace coreinfer::kernels {

void gemm_nt_f32_avx2(int64_t m, int64_t n, int64_t k, const float* a, int64_t lda, const float* b, int64_t ldb,
                      float* c, int64_t ldc);
void gemm_nt_f32_avx512(int64_t m, int64_t n, int64_t k, const float* a, int64_t lda, const float* b, int64_t ldb,
                        float* c, int64_t ldc);

}  // namespace coreinfer::kernels
