#include "graph/ops/register.h"

namespace coreinfer {

void register_elementwise_ops(OpRegistry& r) { (void)r; }

}  // namespace coreinfer
