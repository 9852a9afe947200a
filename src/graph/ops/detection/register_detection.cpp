#include "graph/ops/register.h"

namespace coreinfer {

void register_detection_ops(OpRegistry& r) {}

}  // namespace coreinfer
