// The operator groups, one library each (src/graph/ops/<group>/), and the registry of all.
#pragma once

#include "graph/op_kernel.h"

namespace coreinfer {

void register_elementwise_ops(OpRegistry& r);  // ops/elementwise: math, activations, compare, logic, Cast, Where
void register_tensor_ops(OpRegistry& r);       // ops/tensor: shape and data movement, reductions, Softmax, ...
void register_nn_ops(OpRegistry& r);           // ops/nn: Conv, ConvTranspose, pools, Gemm, MatMul, norms
void register_quant_ops(OpRegistry& r);        // ops/quant: QuantizeLinear ... QLinear*, com.microsoft contrib
void register_recurrent_ops(OpRegistry& r);    // ops/recurrent: RNN, LSTM, GRU
void register_detection_ops(OpRegistry& r);    // ops/detection: NonMaxSuppression, GridSample, RoiAlign, MaxUnpool
void register_signal_ops(OpRegistry& r);       // ops/signal: DFT, STFT, window functions, MelWeightMatrix, TfIdfVectorizer
void register_control_ops(OpRegistry& r);      // ops/control: If, Loop, Scan (subgraphs)

// Every operator coreinfer implements.
OpRegistry default_op_registry();

}  // namespace coreinfer
