// NEON fp32 kernels (GEMM, dot, RMSNorm, softmax, SiLU, axpy, RoPE).
#include "kernels/kernel_table.h"

namespace coreinfer::kernels {

void register_math_neon(KernelTable& t) { (void)t; }

}  // namespace coreinfer::kernels
