#include "graph/ops/register.h"

#include "graph/ops/embedding_bag.h"

namespace coreinfer {

OpRegistry default_op_registry() {
  OpRegistry r;
  register_elementwise_ops(r);
  register_tensor_ops(r);
  register_nn_ops(r);
  register_quant_ops(r);
  register_recurrent_ops(r);
  register_detection_ops(r);
  register_signal_ops(r);
  register_control_ops(r);
  register_embedding_bag(r);
  return r;
}

}  // namespace coreinfer
