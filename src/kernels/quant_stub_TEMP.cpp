// TEMPORARY (lead): weak stand-ins until the x86 quant kernels land; the real definitions win.
#include "kernels/kernel_table.h"

namespace coreinfer::kernels {
#if defined(__x86_64__)
__attribute__((weak)) void register_quant_avx2(KernelTable&) {}
__attribute__((weak)) void register_quant_avx512(KernelTable&) {}
#endif
}  // namespace coreinfer::kernels
