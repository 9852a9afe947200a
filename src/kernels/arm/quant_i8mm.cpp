// Armv8.6 (i8mm + bf16) weight kernels of the fp32 activation path: none, on purpose.
// The NEON kernels (quant_*_neon.cpp) stay in use at this level. bfdot / bfmmla multiply bf16 by
// bf16: the BF16 weights are exact there, but x would be rounded to 8 significant bits, far
// outside the fp32-accumulation bound the dot kernels must meet (quant_simd_test.cpp); bfcvt only
// narrows. smmla / usmmla need integer activations: the 8-bit activation path (int8_i8mm.cpp).
#include "kernels/kernel_table.h"

namespace coreinfer::kernels {

void register_quant_i8mm(KernelTable& t) { (void)t; }

}  // namespace coreinfer::kernels
