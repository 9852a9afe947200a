// Armv8.2 (dotprod + fp16 arithmetic) weight kernels of the fp32 activation path: none, on purpose.
// The NEON kernels (quant_*_neon.cpp) stay in use at this level. What Armv8.2 adds does not fit
// a path whose contract is fp32 activations with fp32 products and sums (quant_simd_test.cpp
// bounds the dot by 2 (n + 2) u S with u = 2^-24):
//   - fp16 arithmetic (fmla .8h) would round x, the products and the sums to 11 bits;
//   - fmlal (fp16 x fp16 -> fp32, FEAT_FHM, not even in this level's flags) needs x in fp16;
//   - sdot / udot need integer activations: that is the 8-bit activation path (int8_dotprod.cpp),
//     which quantises x once per token on purpose.
// Decoding is already exact and cheap in Armv8.0 (fcvtl widens fp16, shifts widen bf16).
#include "kernels/kernel_table.h"

namespace coreinfer::kernels {

void register_quant_dotprod(KernelTable& t) { (void)t; }

}  // namespace coreinfer::kernels
