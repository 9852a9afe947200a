// Factories of the nn operators (registered in register_nn.cpp).
#pragma once

#include <memory>

#include "graph/op_kernel.h"

namespace coreinfer::nn {

Result<std::unique_ptr<OpKernel>> make_conv(const OpBuildContext& ctx);
Result<std::unique_ptr<OpKernel>> make_conv_chain(const OpBuildContext& ctx);  // coreinfer::ConvChain
Result<std::unique_ptr<OpKernel>> make_conv_transpose(const OpBuildContext& ctx);
Result<std::unique_ptr<OpKernel>> make_gemm(const OpBuildContext& ctx);
Result<std::unique_ptr<OpKernel>> make_matmul(const OpBuildContext& ctx);
Result<std::unique_ptr<OpKernel>> make_max_pool(const OpBuildContext& ctx);
Result<std::unique_ptr<OpKernel>> make_average_pool(const OpBuildContext& ctx);
Result<std::unique_ptr<OpKernel>> make_lp_pool(const OpBuildContext& ctx);
Result<std::unique_ptr<OpKernel>> make_global_average_pool(const OpBuildContext& ctx);
Result<std::unique_ptr<OpKernel>> make_global_max_pool(const OpBuildContext& ctx);
Result<std::unique_ptr<OpKernel>> make_global_lp_pool(const OpBuildContext& ctx);
Result<std::unique_ptr<OpKernel>> make_batch_norm(const OpBuildContext& ctx);
Result<std::unique_ptr<OpKernel>> make_instance_norm(const OpBuildContext& ctx);
Result<std::unique_ptr<OpKernel>> make_layer_norm(const OpBuildContext& ctx);
Result<std::unique_ptr<OpKernel>> make_lrn(const OpBuildContext& ctx);
Result<std::unique_ptr<OpKernel>> make_mean_variance_normalization(const OpBuildContext& ctx);

}  // namespace coreinfer::nn
