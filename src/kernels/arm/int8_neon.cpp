// NEON (Armv8.0) kernels of the 8-bit activation path (kernels/quant/int8_path.h): the Q8A
// quantizer (bit-identical to the scalar one: vcvtnq rounds half to even like lrint) and the
// Q8_0I, Q4_0I, Q4_K and Q6_K dot products. Without sdot, 16 int8 products are vmull_s8 +
// vmlal_high_s8 into int16 (two products per lane, at most 2 * 128 * 127: no overflow) and
// vpadalq_s16 into int32. The tiling and fp32 scheme are in int8_arm_neon.h.
#include "kernels/arm/int8_arm_neon.h"

namespace coreinfer::kernels {
namespace {

struct NeonDot {
  static int32x4_t dot(int32x4_t acc, int8x16_t w, int8x16_t x) {
    const int16x8_t p = vmlal_high_s8(vmull_s8(vget_low_s8(w), vget_low_s8(x)), w, x);
    return vpadalq_s16(acc, p);
  }
};

}  // namespace

void register_int8_neon(KernelTable& t) {
  using namespace arm_int8;
  t.quantize_act = quantize_act_neon;
  t.quantize_act_isa = Isa::kNeon;
  set_int8_kernel(t, DType::kQ8_0, dot_multi_rows<Q8_0Type, NeonDot>, Isa::kNeon);
  set_int8_kernel(t, DType::kQ4_0, dot_multi_rows<Q4_0Type, NeonDot>, Isa::kNeon);
  set_int8_kernel(t, DType::kQ4_K, dot_multi_rows<Q4_KType, NeonDot>, Isa::kNeon);
  set_int8_kernel(t, DType::kQ6_K, dot_multi_rows<Q6_KType, NeonDot>, Isa::kNeon);
}

}  // namespace coreinfer::kernels
