#include "graph/ops/register.h"

namespace coreinfer {

void register_control_ops(OpRegistry& r) {}

}  // namespace coreinfer
