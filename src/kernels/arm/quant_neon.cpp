// NEON weight kernels of the fp32 activation path (dequantise + dot).
#include "kernels/kernel_table.h"

namespace coreinfer::kernels {

void register_quant_neon(KernelTable& t) { (void)t; }

}  // namespace coreinfer::kernels
