#include "graph/ops/register.h"

namespace coreinfer {

void register_tensor_ops(OpRegistry& r) { (void)r; }

}  // namespace coreinfer
