#include "graph/ops/nn/nchwc_ops.h"
#include "graph/ops/nn/nn_ops.h"
#include "graph/ops/register.h"
#include "graph/passes.h"

namespace coreinfer {
void register_nn_ops(OpRegistry& r) {
  r.add("", "Conv", nn::make_conv);
  r.add(kCoreinferOpDomain, "ConvChain", nn::make_conv_chain);
  r.add(kCoreinferOpDomain, "NchwcConv", nn::make_nchwc_conv);
  r.add(kCoreinferOpDomain, "ReorderToNchwc", nn::make_reorder_to_nchwc);
  r.add(kCoreinferOpDomain, "ReorderFromNchwc", nn::make_reorder_from_nchwc);
  r.add(kCoreinferOpDomain, "NchwcMaxPool", nn::make_nchwc_max_pool);
  r.add(kCoreinferOpDomain, "NchwcGlobalAveragePool", nn::make_nchwc_global_average_pool);
  r.add("", "ConvTranspose", nn::make_conv_transpose);
  r.add("", "Gemm", nn::make_gemm);
  r.add("", "MatMul", nn::make_matmul);
  r.add("", "MaxPool", nn::make_max_pool);
  r.add("", "AveragePool", nn::make_average_pool);
  r.add("", "LpPool", nn::make_lp_pool);
  r.add("", "GlobalAveragePool", nn::make_global_average_pool);
  r.add("", "GlobalMaxPool", nn::make_global_max_pool);
  r.add("", "GlobalLpPool", nn::make_global_lp_pool);
  r.add("", "BatchNormalization", nn::make_batch_norm);
  r.add("", "InstanceNormalization", nn::make_instance_norm);
  r.add("", "LayerNormalization", nn::make_layer_norm);
  r.add("", "LRN", nn::make_lrn);
  r.add("", "MeanVarianceNormalization", nn::make_mean_variance_normalization);
}

}  // namespace coreinfer
