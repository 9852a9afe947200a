// NonMaxSuppression: per batch and class, greedy selection of boxes in descending score order,
// dropping a box whose IoU with an already selected box of that class exceeds iou_threshold.
// Ties in score keep the lower box index first; boxes with a NaN score are never selected.
#include <algorithm>
#include <cmath>
#include <vector>

#include "graph/ops/detection/detection_ops.h"

namespace coreinfer::detection {
namespace {

struct Box {
  float x_min, y_min, x_max, y_max, area;
};

// Corners of every box, from [y1, x1, y2, x2] (either diagonal) or [x_center, y_center, w, h].
std::vector<Box> decode_boxes(const float* d, int64_t count, bool center_point) {
  std::vector<Box> boxes(static_cast<size_t>(count));
  for (int64_t i = 0; i < count; ++i) {
    const float* b = d + i * 4;
    Box& o = boxes[static_cast<size_t>(i)];
    if (center_point) {
      const float half_w = b[2] / 2, half_h = b[3] / 2;
      o = {b[0] - half_w, b[1] - half_h, b[0] + half_w, b[1] + half_h, 0};
    } else {
      o = {std::min(b[1], b[3]), std::min(b[0], b[2]), std::max(b[1], b[3]), std::max(b[0], b[2]), 0};
    }
    o.area = (o.x_max - o.x_min) * (o.y_max - o.y_min);
  }
  return boxes;
}

bool overlaps_too_much(const Box& a, const Box& b, float iou_threshold) {
  const float ix_min = std::max(a.x_min, b.x_min), ix_max = std::min(a.x_max, b.x_max);
  if (!(ix_max > ix_min)) return false;
  const float iy_min = std::max(a.y_min, b.y_min), iy_max = std::min(a.y_max, b.y_max);
  if (!(iy_max > iy_min)) return false;
  const float inter = (ix_max - ix_min) * (iy_max - iy_min);
  const float uni = a.area + b.area - inter;
  if (!(inter > 0) || !(a.area > 0) || !(b.area > 0) || !(uni > 0)) return false;
  return inter / uni > iou_threshold;
}

struct Settings {
  int64_t max_per_class = 0;
  float iou_threshold = 0;
  bool has_score_threshold = false;
  float score_threshold = 0;
};

// The selected box indices of one (batch, class), in selection order.
std::vector<int64_t> select_boxes(const std::vector<Box>& boxes, const float* scores, const Settings& s) {
  const int64_t count = static_cast<int64_t>(boxes.size());
  std::vector<int64_t> order;
  order.reserve(boxes.size());
  for (int64_t i = 0; i < count; ++i) {
    if (std::isnan(scores[i])) continue;
    if (s.has_score_threshold && !(scores[i] > s.score_threshold)) continue;
    order.push_back(i);
  }
  std::stable_sort(order.begin(), order.end(), [&](int64_t a, int64_t b) { return scores[a] > scores[b]; });
  std::vector<int64_t> selected;
  for (int64_t candidate : order) {
    if (static_cast<int64_t>(selected.size()) >= s.max_per_class) break;
    const Box& box = boxes[static_cast<size_t>(candidate)];
    const bool suppressed = std::any_of(selected.begin(), selected.end(), [&](int64_t kept) {
      return overlaps_too_much(box, boxes[static_cast<size_t>(kept)], s.iou_threshold);
    });
    if (!suppressed) selected.push_back(candidate);
  }
  return selected;
}

Result<Settings> read_settings(const OpRunContext& ctx) {
  Settings s;
  CI_ASSIGN_OR_RETURN(auto max_boxes, optional_scalar(ctx, 2, "max_output_boxes_per_class"));
  CI_ASSIGN_OR_RETURN(auto iou, optional_scalar(ctx, 3, "iou_threshold"));
  CI_ASSIGN_OR_RETURN(auto score, optional_scalar(ctx, 4, "score_threshold"));
  if (max_boxes) s.max_per_class = *max_boxes > 0 ? static_cast<int64_t>(std::min(*max_boxes, 9.0e18)) : 0;
  if (iou) {
    if (!(*iou >= 0.0 && *iou <= 1.0))
      return invalid_argument("iou_threshold must be in [0, 1], got " + std::to_string(*iou));
    s.iou_threshold = static_cast<float>(*iou);
  }
  if (score) {
    if (std::isnan(*score)) return invalid_argument("score_threshold is NaN");
    s.has_score_threshold = true;
    s.score_threshold = static_cast<float>(*score);
  }
  return s;
}

Status run_nms(bool center_point, OpRunContext& ctx) {
  CI_ASSIGN_OR_RETURN(const Tensor* boxes, typed_input(ctx, 0, "boxes", ElemType::kFloat));
  CI_ASSIGN_OR_RETURN(const Tensor* scores, typed_input(ctx, 1, "scores", ElemType::kFloat));
  if (boxes->rank() != 3 || boxes->dim(2) != 4)
    return invalid_argument("input boxes must have shape [num_batches, num_boxes, 4], got " +
                            shape_string(boxes->shape()));
  if (scores->rank() != 3 || scores->dim(0) != boxes->dim(0) || scores->dim(2) != boxes->dim(1))
    return invalid_argument("input scores must have shape [num_batches, num_classes, num_boxes] = [" +
                            std::to_string(boxes->dim(0)) + ", C, " + std::to_string(boxes->dim(1)) +
                            "] to match boxes " + shape_string(boxes->shape()) + ", got " +
                            shape_string(scores->shape()));
  CI_ASSIGN_OR_RETURN(const Settings settings, read_settings(ctx));
  const int64_t batches = boxes->dim(0), classes = scores->dim(1), count = boxes->dim(1);

  std::vector<std::vector<Box>> decoded(static_cast<size_t>(batches));
  for (int64_t b = 0; b < batches; ++b)
    decoded[b] = decode_boxes(boxes->data<float>() + b * count * 4, count, center_point);
  // One list per (batch, class), filled in parallel and concatenated in order.
  std::vector<std::vector<int64_t>> picked(static_cast<size_t>(batches * classes));
  if (settings.max_per_class > 0) {
    ctx.parallel_for(batches * classes, 1, [&](int64_t begin, int64_t end) {
      for (int64_t i = begin; i < end; ++i)
        picked[i] = select_boxes(decoded[i / classes], scores->data<float>() + i * count, settings);
    });
  }
  int64_t total = 0;
  for (const auto& p : picked) total += static_cast<int64_t>(p.size());
  CI_ASSIGN_OR_RETURN(Tensor * out, ctx.allocate_output_uninitialized(0, ElemType::kInt64, {total, 3}));
  int64_t* o = out->data<int64_t>();
  for (int64_t i = 0; i < batches * classes; ++i) {
    for (int64_t box : picked[i]) {
      *o++ = i / classes;
      *o++ = i % classes;
      *o++ = box;
    }
  }
  return Status::ok();
}

}  // namespace

Result<std::unique_ptr<OpKernel>> make_non_max_suppression(const OpBuildContext& ctx) {
  const int64_t center_point_box = ctx.attrs().get_int("center_point_box", 0);
  if (center_point_box != 0 && center_point_box != 1)
    return invalid_argument("attribute center_point_box must be 0 or 1, got " + std::to_string(center_point_box));
  return make_kernel([center = center_point_box == 1](OpRunContext& c) { return run_nms(center, c); });
}

}  // namespace coreinfer::detection
