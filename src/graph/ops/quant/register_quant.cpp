#include "graph/ops/quant/quant_ops.h"
#include "graph/ops/register.h"

namespace coreinfer {

void register_quant_ops(OpRegistry& r) {
  quant::register_quantize_ops(r);
  quant::register_conv_ops(r);
  quant::register_matmul_ops(r);
  quant::register_binary_ops(r);
  quant::register_pool_ops(r);
  quant::register_misc_ops(r);
}

}  // namespace coreinfer
