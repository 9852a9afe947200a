#include "graph/ops/elementwise/common.h"
#include "graph/ops/register.h"

namespace coreinfer {

void register_elementwise_ops(OpRegistry& r) {
  elementwise::register_unary_math(r);
  elementwise::register_activations(r);
  elementwise::register_binary_arith(r);
  elementwise::register_binary_mod_pow(r);
  elementwise::register_compare_logic(r);
  elementwise::register_variadic(r);
  elementwise::register_where(r);
  elementwise::register_cast(r);
}

}  // namespace coreinfer
