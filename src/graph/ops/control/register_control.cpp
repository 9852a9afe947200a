#include "graph/ops/control/control_ops.h"
#include "graph/ops/register.h"

namespace coreinfer {

void register_control_ops(OpRegistry& r) {
  r.add("", "If", make_if);
  r.add("", "Loop", [](const OpBuildContext& ctx) { return make_loop(ctx); });
  r.add("", "Scan", make_scan);
}

}  // namespace coreinfer
