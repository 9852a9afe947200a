#include "graph/ops/register.h"

namespace coreinfer {

OpRegistry default_op_registry() {
  OpRegistry r;
  register_elementwise_ops(r);
  register_tensor_ops(r);
  register_nn_ops(r);
  register_quant_ops(r);
  return r;
}

}  // namespace coreinfer
