// register_quant_avx512: the AVX-512 weight kernels of every family that has them.
#include "kernels/x86/quant_x86.h"

namespace coreinfer::kernels {

void register_quant_avx512(KernelTable& t) {
  register_quant_float_avx512(t);
  register_quant_legacy_avx512(t);
  register_quant_kquant_avx512(t);
  register_quant_packed_avx512(t);
}

}  // namespace coreinfer::kernels
