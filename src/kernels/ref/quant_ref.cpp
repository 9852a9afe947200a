// register_quant_ref: the scalar weight kernels of every supported format.
#include "kernels/ref/quant_ref.h"

namespace coreinfer::kernels {

void register_quant_ref(KernelTable& t) {
  register_quant_float_ref(t);
  register_quant_legacy_ref(t);
  register_quant_kquant_ref(t);
  register_quant_packed_ref(t);
}

}  // namespace coreinfer::kernels
