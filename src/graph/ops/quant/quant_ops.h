// Registration of the quantised operators, one function per source file.
#pragma once

#include "graph/op_kernel.h"

namespace coreinfer::quant {

void register_quantize_ops(OpRegistry& r);     // QuantizeLinear, DequantizeLinear, DynamicQuantizeLinear
void register_conv_ops(OpRegistry& r);         // QLinearConv, ConvInteger
void register_matmul_ops(OpRegistry& r);       // QLinearMatMul, MatMulInteger
void register_binary_ops(OpRegistry& r);       // com.microsoft QLinearAdd, QLinearMul
void register_pool_ops(OpRegistry& r);         // com.microsoft QLinearGlobalAveragePool, QLinearAveragePool
void register_misc_ops(OpRegistry& r);         // com.microsoft QLinearConcat, QLinearSigmoid, QLinearLeakyRelu

}  // namespace coreinfer::quant
