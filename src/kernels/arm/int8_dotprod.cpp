// Dot-product (Armv8.2 sdot) kernels of the 8-bit activation path (kernels/quant/int8_path.h):
// Q8_0I, Q4_0I, Q4_K and Q6_K, one vdotq_s32 per 16 int8 products (the offsets of Q4_0 and
// Q6_K folded into signed weights). The tiling and fp32 scheme are in int8_arm_neon.h.
#include "kernels/arm/int8_arm_neon.h"

namespace coreinfer::kernels {
namespace {

struct SdotDot {
  static int32x4_t dot(int32x4_t acc, int8x16_t w, int8x16_t x) { return vdotq_s32(acc, w, x); }
};

}  // namespace

void register_int8_dotprod(KernelTable& t) {
  using namespace arm_int8;
  set_int8_kernel(t, DType::kQ8_0, dot_multi_rows<Q8_0Type, SdotDot>, Isa::kDotprod);
  set_int8_kernel(t, DType::kQ4_0, dot_multi_rows<Q4_0Type, SdotDot>, Isa::kDotprod);
  set_int8_kernel(t, DType::kQ4_K, dot_multi_rows<Q4_KType, SdotDot>, Isa::kDotprod);
  set_int8_kernel(t, DType::kQ6_K, dot_multi_rows<Q6_KType, SdotDot>, Isa::kDotprod);
}

}  // namespace coreinfer::kernels
