// The kernel dispatch table: resolved once at start-up from the CPU features (and the
// COREINFER_ISA override), then read-only. Every entry has a scalar reference in kernels/ref/;
// SIMD files overwrite the entries they implement, from the lowest level to the highest the
// CPU supports, so an entry always holds the best kernel available.
#pragma once

#include <cstddef>
#include <cstdint>

#include "core/dtype.h"
#include "kernels/quant/int8_path.h"

namespace coreinfer::kernels {

enum class Isa : int {
  kScalar = 0,
  kAvx2,       // x86-64: AVX2 + FMA + F16C
  kAvx512,     // + AVX-512 F/BW/VL/DQ
  kAvx512Vnni, // + AVX-512 VNNI and BF16
  kNeon,       // Armv8.0 Advanced SIMD
  kDotprod,    // Armv8.2: sdot/udot, fp16
  kI8mm,       // Armv8.6: smmla, bf16
  kSve,        // scalable vectors
};
const char* isa_name(Isa isa);
// The x86 levels with AVX-512 (the Arm levels compare greater, so `>= kAvx512` alone is not it).
constexpr bool has_avx512(Isa isa) { return isa >= Isa::kAvx512 && isa <= Isa::kAvx512Vnni; }
// Parses "scalar", "avx2", "avx512", "avx512vnni", "neon", "dotprod", "i8mm", "sve".
bool parse_isa(const char* name, Isa* out);

// --- weight-type kernels (one row of a weight matrix in its stored block format) ---
// Decodes n elements (a multiple of the type's block size) into fp32.
using DequantRowFn = void (*)(const void* src, float* dst, int64_t n);
// Dot product of a weight row in its stored format with fp32 activations (dequantised on the
// fly, fp32 arithmetic): the decode-time GEMV kernel.
using DotRowFn = float (*)(const void* w, const float* x, int64_t n);
// Encodes n fp32 values (a multiple of the block size) into the type's blocks.
using QuantizeRowFn = void (*)(const float* src, void* dst, int64_t n);

// The most activation vectors one dot_multi call takes (decode steps of up to 8 sequences).
inline constexpr int kMaxDotVectors = 8;
// Rows against activation vectors, n elements each:
//   y[j * y_stride + r] = dot(row r, x + j * x_stride) for r < n_rows, j < n_x (1 <= n_x <= kMaxDotVectors),
// row r at w + r * row_stride. Each result is bit-identical to what the same kernel gives for that
// row and that vector alone (n_rows = n_x = 1): same operations, same accumulation order, so a
// sequence's logits do not depend on what else is in the batch.
using DotMultiFn = void (*)(const void* w, size_t row_stride, int64_t n_rows, const float* x, int64_t x_stride,
                            int64_t n_x, float* y, int64_t y_stride, int64_t n);
// Rewrites one row of n elements from the GGUF block layout into the type's packed layout
// (same byte count, so row strides do not change). Done once at load.
using RepackRowFn = void (*)(const void* src, void* dst, int64_t n);
// The 8-bit or bf16 activation path (kernels/quant/int8_path.h; "int8" in the names below): x
// (n fp32) into the path's activation format, Q8A (q8a_bytes(n) bytes at xq) unless the weight
// type names another (WeightKernels::act_quantize: BF16 weights take BF16A).
using QuantizeActFn = void (*)(const float* x, void* xq, int64_t n);
using ActBytesFn = size_t (*)(int64_t n);
// As DotMultiFn, with activation vector j in the type's activation format at xq + j * xq_stride (bytes).
using Int8DotMultiFn = void (*)(const void* w, size_t row_stride, int64_t n_rows, const void* xq, size_t xq_stride,
                                int64_t n_x, float* y, int64_t y_stride, int64_t n);
// Row groups of the 8-bit path (WeightKernels::int8_row_group rows stored together): writes one
// group from that many GGUF rows (at src + r * src_stride) into as many row strides at dst, and
// decodes one group back into y + r * n.
using RepackGroupFn = void (*)(const void* src, size_t src_stride, void* dst, int64_t n);
using DequantGroupFn = void (*)(const void* w, size_t row_stride, float* y, int64_t n);

struct WeightKernels {
  // GGUF layout (the file's bytes).
  DequantRowFn dequant_row = nullptr;
  DotRowFn dot_row = nullptr;
  DotMultiFn dot_multi = nullptr;  // bit-identical to dot_row, result by result
  QuantizeRowFn quantize_row = nullptr;
  Isa dequant_isa = Isa::kScalar;
  Isa dot_isa = Isa::kScalar;
  // Packed layout (types that have one; see kernels/quant/packed.h): the kernel-friendly layout
  // weights are repacked into at load. repack_row is scalar; dequant is bit-identical to the GGUF
  // layout's dequant_row of the original row.
  RepackRowFn repack_row = nullptr;
  DequantRowFn packed_dequant_row = nullptr;
  DotMultiFn packed_dot_multi = nullptr;
  Isa packed_isa = Isa::kScalar;

  // The 8-bit or bf16 activation path (types that have one; kernels/quant/int8_path.h). Weights in the
  // path's layout: int8_repack_row (scalar, same byte count) rewrites a GGUF row into it, or is
  // nullptr when the path reads the GGUF layout as it is. int8_dequant_row decodes that layout
  // (prompt processing), bit-identical to dequant_row of the GGUF row.
  RepackRowFn int8_repack_row = nullptr;
  DequantRowFn int8_dequant_row = nullptr;
  Int8DotMultiFn int8_dot_multi = nullptr;
  Isa int8_isa = Isa::kScalar;
  // Row groups, where the level's kernels want rows together (int8_row_group > 1: the i8mm
  // level's row pairs, int8_path.h): every whole group of a matrix's rows is stored in the group
  // layout (int8_repack_group / int8_dequant_group), the last rows % group rows in the row layout.
  // int8_dot_multi then takes w at a group boundary, with n_rows a multiple of the group or
  // reaching the matrix's last row. kernels/quant/int8_rows.h walks a matrix either way.
  int int8_row_group = 1;
  RepackGroupFn int8_repack_group = nullptr;
  DequantGroupFn int8_dequant_group = nullptr;
  // The activation format int8_dot_multi reads: nullptr = Q8A (KernelTable::quantize_act,
  // q8a_bytes); BF16 has its own (BF16A: act_quantize, act_bytes, from act_quantize_isa).
  QuantizeActFn act_quantize = nullptr;
  ActBytesFn act_bytes = nullptr;
  Isa act_quantize_isa = Isa::kScalar;

  bool has_packed_layout() const { return repack_row != nullptr; }
  bool has_int8_path() const { return int8_dot_multi != nullptr; }
};

// --- fp32 kernels ---
// "NT" GEMM: C[j*ldc + i] = sum_p A[i*lda + p] * B[j*ldb + p] for i < m (weight rows),
// j < n (tokens), p < k. C is overwritten. This is Y = X · Wᵀ with W row-major [m][k].
using GemmNtF32Fn = void (*)(int64_t m, int64_t n, int64_t k, const float* a, int64_t lda, const float* b,
                             int64_t ldb, float* c, int64_t ldc);
using DotF32Fn = float (*)(const float* a, const float* b, int64_t n);
// y = x / sqrt(mean(x²) + eps) * w
using RmsNormFn = void (*)(const float* x, const float* w, float* y, int64_t n, float eps);
// In place: x = exp(x - max) / sum
using SoftmaxFn = void (*)(float* x, int64_t n);
// out = silu(gate) * up
using SiluMulFn = void (*)(const float* gate, const float* up, float* out, int64_t n);
// y += a * x
using AxpyFn = void (*)(float a, const float* x, float* y, int64_t n);
// Rotates adjacent pairs (x[2i], x[2i+1]) of one head by angle pos * inv_freq[i]:
// n_dims = rotated dimensions (even), inv_freq has n_dims/2 entries.
using RopeFn = void (*)(float* x, int64_t n_dims, float pos, const float* inv_freq);

inline constexpr int kMaxWeightTypes = 32;  // indexed by DType value (GGUF type ids are < 32)

struct KernelTable {
  Isa isa = Isa::kScalar;  // highest level in use
  WeightKernels weights[kMaxWeightTypes];

  GemmNtF32Fn gemm_nt_f32 = nullptr;
  DotF32Fn dot_f32 = nullptr;
  RmsNormFn rmsnorm = nullptr;
  SoftmaxFn softmax = nullptr;
  SiluMulFn silu_mul = nullptr;
  AxpyFn axpy = nullptr;
  RopeFn rope = nullptr;
  QuantizeActFn quantize_act = nullptr;  // fp32 -> Q8A, for every type's int8 path but BF16's

  // The level each fp32 kernel came from, for `coreinfer info --cpu`.
  Isa gemm_isa = Isa::kScalar, dot_isa = Isa::kScalar, rmsnorm_isa = Isa::kScalar, softmax_isa = Isa::kScalar,
      silu_mul_isa = Isa::kScalar, axpy_isa = Isa::kScalar, rope_isa = Isa::kScalar,
      quantize_act_isa = Isa::kScalar;

  // The activation quantiser of a type's 8-bit / bf16 path and the bytes of one vector of n.
  QuantizeActFn act_quantizer(const WeightKernels& w) const {
    return w.act_quantize != nullptr ? w.act_quantize : quantize_act;
  }
  static size_t act_bytes(const WeightKernels& w, int64_t n) {
    return w.act_bytes != nullptr ? w.act_bytes(n) : q8a_bytes(n);
  }

  const WeightKernels* weight(DType t) const {
    const auto i = static_cast<uint32_t>(t);
    return i < kMaxWeightTypes && weights[i].dot_row != nullptr ? &weights[i] : nullptr;
  }
};

// The table for this CPU (and COREINFER_ISA), built on first use.
const KernelTable& active();
// A table limited to `max_isa` (tests use this to run each level they can against the scalar one).
// Returns false if this CPU does not support max_isa.
bool build_table(Isa max_isa, KernelTable* out);
// The highest level this CPU supports.
Isa best_supported_isa();
bool isa_supported(Isa isa);

// Registration, one function per (family, ISA) file pair. Each overwrites the entries it has.
void register_quant_ref(KernelTable& t);
void register_math_ref(KernelTable& t);
void register_int8_ref(KernelTable& t);  // quantize_act and the types' int8 paths
// The 8-bit path of k reads rows one by one (no row groups).
static inline void set_int8_row_layout(WeightKernels& k) {
  k.int8_row_group = 1;
  k.int8_repack_group = nullptr;
  k.int8_dequant_group = nullptr;
}
// k's 8-bit path of `type` (Q8_0 or Q4_0; others keep the row layout) stores rows in pairs
// (Q8_0I2 / Q4_0I2, int8_path.h), with the scalar pair repack and decode
// (kernels/ref/quant_int8_ref.cpp). The caller sets the int8_dot_multi that reads them.
void set_int8_row_pairs(WeightKernels& k, DType type);
// Points k's int8_* / act_* fields at a bf16-activation path (BF16A activations, the GGUF BF16
// layout as it is) whose kernels come from `isa`.
static inline void set_bf16_act_path(WeightKernels& k, Int8DotMultiFn dot, QuantizeActFn quantize, Isa isa) {
  k.int8_repack_row = nullptr;
  k.int8_dequant_row = k.dequant_row;
  k.int8_dot_multi = dot;
  k.int8_isa = isa;
  set_int8_row_layout(k);
  k.act_quantize = quantize;
  k.act_bytes = bf16a_bytes_fn;
  k.act_quantize_isa = isa;
}
// BF16's bf16-activation path, scalar (kernels/ref/quant_bf16_act_ref.cpp): not in the scalar
// table, since only levels with a bf16 dot instruction register the path (elsewhere BF16 keeps
// the fp32 path); the SIMD kernels are tested against it. Sets the int8_* / act_* fields of k.
void bf16_act_path_ref(WeightKernels& k);
#if defined(__x86_64__)
void register_quant_avx2(KernelTable& t);
void register_quant_avx512(KernelTable& t);
void register_math_avx2(KernelTable& t);
void register_math_avx512(KernelTable& t);
void register_int8_avx2(KernelTable& t);
void register_int8_avx512vnni(KernelTable& t);  // only called at the avx512vnni level
void register_bf16_act_avx512vnni(KernelTable& t);  // BF16's bf16-activation path (AVX512_BF16)
#elif defined(__aarch64__)
// One set per Arm level, each in files named *_<level>.cpp (cmake/CompilerFlags.cmake).
void register_math_neon(KernelTable& t);
void register_quant_neon(KernelTable& t);
void register_int8_neon(KernelTable& t);
void register_int8_dotprod(KernelTable& t);
void register_quant_dotprod(KernelTable& t);
void register_int8_i8mm(KernelTable& t);
void register_quant_i8mm(KernelTable& t);
void register_bf16_act_i8mm(KernelTable& t);  // BF16's bf16-activation path (bfdot / bfmmla)
void register_math_sve(KernelTable& t);
void register_int8_sve(KernelTable& t);
#endif

}  // namespace coreinfer::kernels
