// register_quant_avx2: the AVX2 weight kernels of every family that has them.
#include "kernels/x86/quant_x86.h"

namespace coreinfer::kernels {

void register_quant_avx2(KernelTable& t) {
  register_quant_float_avx2(t);
  register_quant_legacy_avx2(t);
  register_quant_kquant_avx2(t);
  register_quant_packed_avx2(t);
}

}  // namespace coreinfer::kernels
