#include "graph/ops/register.h"
#include "graph/ops/tensor/tensor_groups.h"

namespace coreinfer {
void register_tensor_ops(OpRegistry& r) {
  tensor_ops::register_view_ops(r);
  tensor_ops::register_constant_ops(r);
  tensor_ops::register_layout_ops(r);
  tensor_ops::register_slice_pad_ops(r);
  tensor_ops::register_gather_ops(r);
  tensor_ops::register_scatter_ops(r);
  tensor_ops::register_reduce_ops(r);
  tensor_ops::register_softmax_ops(r);
  tensor_ops::register_topk_ops(r);
  tensor_ops::register_resize_ops(r);
  tensor_ops::register_einsum_ops(r);
  tensor_ops::register_select_ops(r);
  tensor_ops::register_loss_ops(r);
  tensor_ops::register_linalg_ops(r);
}

}  // namespace coreinfer
