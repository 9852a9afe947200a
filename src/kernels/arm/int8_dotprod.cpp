// Dot-product (sdot) kernels of the 8-bit activation path (kernels/quant/int8_path.h).
#include "kernels/kernel_table.h"

namespace coreinfer::kernels {

void register_int8_dotprod(KernelTable& t) { (void)t; }

}  // namespace coreinfer::kernels
