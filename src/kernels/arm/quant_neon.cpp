// register_quant_neon: the NEON (Armv8.0) weight kernels of the fp32 activation path, one file
// per format family (quant_<family>_neon.cpp, see quant_arm.h).
#include "kernels/arm/quant_arm.h"

namespace coreinfer::kernels {

void register_quant_neon(KernelTable& t) {
  register_quant_float_neon(t);
  register_quant_legacy_neon(t);
  register_quant_kquant_neon(t);
  register_quant_packed_neon(t);
}

}  // namespace coreinfer::kernels
