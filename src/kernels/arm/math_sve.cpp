// SVE (vector-length agnostic) fp32 kernels: GEMM.
#include "kernels/kernel_table.h"

namespace coreinfer::kernels {

void register_math_sve(KernelTable& t) { (void)t; }

}  // namespace coreinfer::kernels
