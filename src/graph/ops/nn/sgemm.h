// Blocked, packed fp32 GEMM for the nn ops: C (M x N, row-major, ldc) = A (M x K) · B (K x N)
// [+ C] [+ row bias] [+ column bias], then a fused activation. A and B are either packed once
// (constant weights) or packed per call from a strided view; B may also come from a custom packer
// (Conv's im2col writes packed panels straight from the image). Parallel over tiles of C.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "graph/activation.h"
#include "graph/op_kernel.h"
#include "graph/ops/nn/sgemm_kernel.h"

namespace coreinfer::nn {

// The micro-kernel for this table's ISA.
GemmKernel select_gemm_kernel(const kernels::KernelTable& table);

// element (i, j) = data[i * rs + j * cs]
struct MatrixView {
  const float* data = nullptr;
  int64_t rs = 0, cs = 1;
  float at(int64_t i, int64_t j) const { return data[i * rs + j * cs]; }
};

// A (M x K) as panels of mr rows, cut into depth blocks of kc steps (the last may be shorter) and
// stored block by block, so that a depth block of all panels is one sequential stream (weights
// read from memory once per call at batch 1). Block k0 of panel q: depth steps of mr values
// (rows past M are zero).
struct PackedA {
  int mr = 0;
  int64_t m = 0, k = 0, kc = 1;
  std::vector<float> data;
  const float* block(int64_t q, int64_t k0) const {
    const int64_t depth = k - k0 < kc ? k - k0 : kc;
    return data.data() + k0 * ((m + mr - 1) / mr * mr) + q * depth * mr;
  }
};
PackedA pack_a(const GemmKernel& kernel, int64_t m, int64_t k, MatrixView a, float scale = 1.0f);
// The same into `out`, reusing its storage (per-run packing without a fresh allocation); on
// ctx's threads when given and A is large.
void pack_a_into(PackedA& out, const GemmKernel& kernel, int64_t m, int64_t k, MatrixView a, float scale = 1.0f,
                 const OpRunContext* ctx = nullptr);

// B (K x N) as panels of nr columns: panel q holds K steps of nr values (columns past N are zero).
struct PackedB {
  int nr = 0;
  int64_t k = 0, n = 0;
  std::vector<float> data;
  const float* panel(int64_t q) const { return data.data() + q * k * nr; }
};
PackedB pack_b(const GemmKernel& kernel, int64_t k, int64_t n, MatrixView b, float scale = 1.0f);

// Writes rows [k0, k0 + kc) of columns [n0, n0 + nc) as ceil(nc / nr) panels of kc x nr
// (panel stride kc * nr, zero-padded past nc).
using PackBlockFn = std::function<void(int64_t k0, int64_t kc, int64_t n0, int64_t nc, float* dst)>;

struct GemmB {
  const PackedB* packed = nullptr;
  MatrixView view;                      // when neither packed nor packer is set
  const PackBlockFn* packer = nullptr;
};

struct GemmEpilogue {
  bool accumulate = false;            // C += A·B (C holds a prefilled value)
  const float* row_bias = nullptr;    // [M]
  const float* col_bias = nullptr;    // [N]
  const float* residual = nullptr;    // laid out like C: added before the activation
  Activation act;
  // Columns of C (and residual) in images of image_cols columns, image_stride floats apart:
  // column j lives at (j / image_cols) * image_stride + j % image_cols. 0: plain row-major.
  int64_t image_cols = 0, image_stride = 0;
};

// Buffers an op keeps between runs so that packing does not allocate (and fault in) fresh
// memory every call. An op runs one call at a time, so one scratch per op kernel is enough.
struct GemmScratch {
  std::vector<std::vector<float>> worker;  // per thread: a packed B block
  PackedB shared;                          // B packed once for all row blocks
  PackedA a;                               // A packed per run (ops with a runtime A)
};

void sgemm(const OpRunContext& ctx, const GemmKernel& kernel, int64_t m, int64_t n, int64_t k, const PackedA& a,
           const GemmB& b, float* c, int64_t ldc, const GemmEpilogue& epi, GemmScratch* scratch = nullptr);

}  // namespace coreinfer::nn
