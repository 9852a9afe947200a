// Armv8.2 (fp16 arithmetic) weight kernels of the fp32 activation path.
#include "kernels/kernel_table.h"

namespace coreinfer::kernels {

void register_quant_dotprod(KernelTable& t) { (void)t; }

}  // namespace coreinfer::kernels
