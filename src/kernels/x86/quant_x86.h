// The x86 weight kernels are split by format family and ISA; register_quant_avx2 and
// register_quant_avx512 (kernel_table.h) call the family registrations declared here.
#pragma once

#include "kernels/kernel_table.h"
#include "kernels/quant/packed.h"

namespace coreinfer::kernels {

void register_quant_float_avx2(KernelTable& t);
void register_quant_legacy_avx2(KernelTable& t);
void register_quant_kquant_avx2(KernelTable& t);

void register_quant_float_avx512(KernelTable& t);
void register_quant_legacy_avx512(KernelTable& t);
void register_quant_kquant_avx512(KernelTable& t);

void register_quant_packed_avx2(KernelTable& t);
void register_quant_packed_avx512(KernelTable& t);

// Overwrites the dequant and dot kernels of `type` (quantize_row stays the scalar one); dot_multi
// becomes the row-by-row loop over the new dot_row. Internal linkage: see kernels/quant/blocks.h.
template <DotRowFn Dot>
static void set_simd_weight_kernels(KernelTable& t, DType type, Isa isa, DequantRowFn dequant) {
  WeightKernels& k = t.weights[static_cast<uint32_t>(type)];
  if (dequant != nullptr) {
    k.dequant_row = dequant;
    k.dequant_isa = isa;
  }
  k.dot_row = Dot;
  k.dot_multi = dot_multi_by_rows<Dot>;
  k.dot_isa = isa;
}

// Overwrites the packed-layout kernels of `type` (repack_row stays the scalar one).
static inline void set_simd_packed_kernels(KernelTable& t, DType type, Isa isa, DequantRowFn dequant, DotMultiFn dot) {
  WeightKernels& k = t.weights[static_cast<uint32_t>(type)];
  k.packed_dequant_row = dequant;
  k.packed_dot_multi = dot;
  k.packed_isa = isa;
}

}  // namespace coreinfer::kernels
