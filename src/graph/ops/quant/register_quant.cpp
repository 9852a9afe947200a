#include "graph/ops/register.h"

namespace coreinfer {

void register_quant_ops(OpRegistry& r) { (void)r; }

}  // namespace coreinfer
