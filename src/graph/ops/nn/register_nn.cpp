#include "graph/ops/register.h"

namespace coreinfer {

void register_nn_ops(OpRegistry& r) { (void)r; }

}  // namespace coreinfer
