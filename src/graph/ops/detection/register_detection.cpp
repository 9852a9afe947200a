#include "graph/ops/detection/detection_ops.h"
#include "graph/ops/register.h"

namespace coreinfer {

void register_detection_ops(OpRegistry& r) {
  r.add("", "NonMaxSuppression", detection::make_non_max_suppression);
  r.add("", "GridSample", detection::make_grid_sample);
  r.add("", "RoiAlign", detection::make_roi_align);
  r.add("", "MaxUnpool", detection::make_max_unpool);
}

}  // namespace coreinfer
