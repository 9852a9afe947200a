// The families of the tensor operator group, one file each; register_tensor_ops() calls them all.
#pragma once

#include "graph/op_kernel.h"

namespace coreinfer::tensor_ops {

void register_view_ops(OpRegistry& r);       // Reshape, Flatten, Squeeze, Unsqueeze, Identity, Dropout
void register_constant_ops(OpRegistry& r);   // Shape, Size, Constant, ConstantOfShape, Range, EyeLike
void register_layout_ops(OpRegistry& r);     // Transpose, Concat, Split, Expand, Tile, DepthToSpace, SpaceToDepth, Trilu
void register_slice_pad_ops(OpRegistry& r);  // Slice, Pad
void register_gather_ops(OpRegistry& r);     // Gather, GatherElements, GatherND, NonZero, OneHot
void register_scatter_ops(OpRegistry& r);    // ScatterND, ScatterElements, Scatter
void register_reduce_ops(OpRegistry& r);     // Reduce*, ArgMax, ArgMin, CumSum
void register_softmax_ops(OpRegistry& r);    // Softmax, LogSoftmax, Hardmax
void register_topk_ops(OpRegistry& r);       // TopK
void register_resize_ops(OpRegistry& r);     // Resize, Upsample
void register_einsum_ops(OpRegistry& r);     // Einsum
void register_select_ops(OpRegistry& r);     // Compress, ReverseSequence, CenterCropPad, Unique
void register_loss_ops(OpRegistry& r);       // NegativeLogLikelihoodLoss, SoftmaxCrossEntropyLoss
void register_linalg_ops(OpRegistry& r);     // Det

}  // namespace coreinfer::tensor_ops
