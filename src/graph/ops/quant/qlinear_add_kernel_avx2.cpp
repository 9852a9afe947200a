// The QLinearAdd row loop with hardware FMA (see qlinear_add_kernel.h).
#if defined(__x86_64__)
#include "graph/ops/quant/qlinear_add_kernel.h"

namespace coreinfer::quant {

void qadd_row_avx2(const void* a, int64_t a_step, const void* b, int64_t b_step, void* c, int64_t n, const QAddRow& p,
                   bool is_signed) {
  detail::qadd_row_dispatch(a, a_step, b, b_step, c, n, p, is_signed);
}

}  // namespace coreinfer::quant
#endif
