#include "graph/ops/register.h"

namespace coreinfer {

void register_signal_ops(OpRegistry& r) {}

}  // namespace coreinfer
