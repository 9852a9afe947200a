// Graph rewrites run by Session before it builds kernels. Each keeps the graph's outputs equal
// (up to fp32 rounding for the folds) and is tested against the unoptimised graph.
#pragma once

#include "core/status.h"
#include "graph/graph.h"
#include "graph/op_kernel.h"

namespace coreinfer {

// The domain of coreinfer's own fused operators.
inline constexpr const char* kCoreinferOpDomain = "coreinfer";

// Names `graph` reads without defining them (not an input, initializer or node output): values of
// enclosing scopes that its nodes, or the subgraphs of its nodes, use. In first-use order.
std::vector<std::string> free_values(const Graph& graph);

// For each node with subgraph attributes whose captures are not yet bound: sets node.captures to
// the subgraphs' free values and appends them to node.inputs.
void bind_subgraph_captures(Graph& graph);

// Sorts nodes so each comes after the producers of its inputs; an error names a cycle or a value
// that nothing produces.
Status topological_sort(Graph& graph);

// Evaluates nodes whose inputs are all constants and turns their outputs into initializers.
Status fold_constants(Graph& graph, const OpRegistry& registry, const kernels::KernelTable& kernels);

// Shape and Size of values whose shape is fully known (graph inputs with static shapes, or
// value_info from shape inference) become constants, so the shape arithmetic after them folds too.
void fold_static_shapes(Graph& graph);

// Removes Identity and inference-mode Dropout by renaming their consumers' inputs.
void remove_identities(Graph& graph);

// BatchNormalization after a Conv (or Gemm with constant weights) becomes the Conv's weights and bias.
void fold_batch_norm(Graph& graph);

// Conv / Gemm / MatMul (+ Add of a constant bias for MatMul) followed by Relu, Clip, LeakyRelu,
// HardSigmoid, HardSwish, Sigmoid, or x*Sigmoid(x) (SiLU) carry the activation in attributes
// "activation" ("Relu", "Clip", ...) and "activation_params" (floats), read by the nn kernels.
// Runs fuse_residual_adds first.
void fuse_activations(Graph& graph);

// Conv whose output is read only by an Add(y, z) becomes a Conv with z as a fourth input, added
// before its activation, in the Add's place (so the sum is written once). Z must have Y's shape
// or broadcast to it; the Conv kernel checks.
void fuse_residual_adds(Graph& graph);

// 0.5 * x * (1 + Erf(x / sqrt 2)) written as five element-wise nodes (Div or Mul by 1/sqrt 2, Erf,
// Add 1, two Mul in either grouping), each intermediate read once, becomes Gelu(x).
void fuse_gelu(Graph& graph);

// MatMul reading a Transpose's output reads the Transpose's input instead, permuted by attribute
// "perm_a" / "perm_b" (the Transpose's perm; it stays for other readers or is removed as dead).
void fuse_matmul_transposes(Graph& graph);

// [1x1 Conv ->] depthwise Conv -> 1x1 Conv [+ Z] (the inverted-residual block of MobileNet-style
// networks; constant weights, each intermediate read only by the next Conv) becomes
// coreinfer::ConvChain, which runs the three stages band by band of output rows so the expanded
// tensor stays in L2. Runs after fuse_activations (the stages keep their activations).
void fuse_conv_chains(Graph& graph);

// Gather(axis 0) followed by ReduceSum/ReduceMean over the ids' last axis, the gathered tensor read
// by nothing else, becomes coreinfer::EmbeddingBag (rows summed as they are read).
void fuse_embedding_bags(Graph& graph);

// The 8-bit convolution chain in channels-last layout (int8_layout.cpp): 2-D QLinearConv with
// constant weights becomes com.microsoft QLinearConv with channels_last = 1, the QLinearAdd /
// QLinearMul and QLinearGlobalAveragePool between them follow, and Transposes convert at the
// chain's edges only (a first convolution other than depthwise becomes coreinfer::QLinearConv
// with nchw_input = 1 instead: NCHW x, NHWC y). optimize_graph runs it where the NHWC 8-bit kernels exist (AVX-512 VNNI).
void use_channels_last_int8(Graph& graph);

// Float convolution networks in the blocked layout NCHWc (nchwc_layout.cpp): Conv with constant
// weights, group 1 and a multiple of 16 output channels becomes coreinfer::NchwcConv, and
// MaxPool, GlobalAveragePool, activations and binary ops of two blocked values follow; the
// layout changes only at the chain's edges. Only on graphs with no other kind of convolution.
// optimize_graph runs it where the NCHWc kernel exists (AVX-512).
void use_nchwc_fp32(Graph& graph);

// Drops nodes none of whose outputs reach a graph output, and initializers nothing reads.
void remove_dead_nodes(Graph& graph);

// Every pass above, in order.
Status optimize_graph(Graph& graph, const OpRegistry& registry, const kernels::KernelTable& kernels);

}  // namespace coreinfer
