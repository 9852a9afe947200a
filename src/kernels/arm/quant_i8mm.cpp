// Armv8.6 (bf16: bfdot/bfmmla) weight kernels of the fp32 activation path.
#include "kernels/kernel_table.h"

namespace coreinfer::kernels {

void register_quant_i8mm(KernelTable& t) { (void)t; }

}  // namespace coreinfer::kernels
