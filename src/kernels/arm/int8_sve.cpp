// SVE (vector-length agnostic) kernels of the 8-bit activation path.
#include "kernels/kernel_table.h"

namespace coreinfer::kernels {

void register_int8_sve(KernelTable& t) { (void)t; }

}  // namespace coreinfer::kernels
