#include "graph/ops/register.h"

namespace coreinfer {

void register_recurrent_ops(OpRegistry& r) {}

}  // namespace coreinfer
