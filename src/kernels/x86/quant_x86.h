// The x86 weight kernels are split by format family and ISA; register_quant_avx2 and
// register_quant_avx512 (kernel_table.h) call the family registrations declared here.
#pragma once

#include "kernels/kernel_table.h"

namespace coreinfer::kernels {

void register_quant_float_avx2(KernelTable& t);
void register_quant_legacy_avx2(KernelTable& t);
void register_quant_kquant_avx2(KernelTable& t);

void register_quant_float_avx512(KernelTable& t);
void register_quant_legacy_avx512(KernelTable& t);
void register_quant_kquant_avx512(KernelTable& t);

// Overwrites the dequant and dot kernels of `type` (quantize_row stays the scalar one).
// Internal linkage: see kernels/quant/blocks.h.
static inline void set_simd_weight_kernels(KernelTable& t, DType type, Isa isa, DequantRowFn dequant,
                                           DotRowFn dot) {
  WeightKernels& k = t.weights[static_cast<uint32_t>(type)];
  if (dequant != nullptr) {
    k.dequant_row = dequant;
    k.dequant_isa = isa;
  }
  if (dot != nullptr) {
    k.dot_row = dot;
    k.dot_isa = isa;
  }
}

}  // namespace coreinfer::kernels
