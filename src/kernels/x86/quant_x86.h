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

}  // namespace coreinfer::kernels
