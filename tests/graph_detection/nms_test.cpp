// NonMaxSuppression against hand-computed selections and a scalar reference (O(n^2) greedy NMS
// in double precision) on random boxes; error cases.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>

#include "det_test_util.h"

namespace coreinfer::dettest {
namespace {

using Triples = std::vector<std::array<int64_t, 3>>;

Result<Tensor> run_nms(const Tensor& boxes, const Tensor& scores, std::vector<Tensor> extra, int64_t center = -1) {
  OpCall call;
  call.op = "NonMaxSuppression";
  call.inputs = {boxes, scores};
  for (auto& t : extra) call.inputs.push_back(t);
  if (center >= 0) call.attrs.set_int("center_point_box", center);
  return run_op(call);
}

Triples triples(const Tensor& t) {
  EXPECT_EQ(t.type(), ElemType::kInt64);
  EXPECT_EQ(t.rank(), 2);
  EXPECT_EQ(t.dim(1), 3);
  Triples out;
  for (int64_t i = 0; i < t.dim(0); ++i) {
    const int64_t* r = t.data<int64_t>() + i * 3;
    out.push_back({r[0], r[1], r[2]});
  }
  return out;
}

Tensor i64(int64_t v) { return Tensor::from_vector<int64_t>({1}, {v}); }
Tensor f32(float v) { return Tensor::from_vector<float>({1}, {v}); }

// Six boxes in [y1, x1, y2, x2]: 0-2 overlap heavily (IoU ~0.82), 3-4 overlap, 5 stands alone.
Tensor six_boxes() {
  return Tensor::from_vector<float>(
      {1, 6, 4}, {0, 0, 1, 1, 0, 0.1f, 1, 1.1f, 0, -0.1f, 1, 0.9f, 0, 10, 1, 11, 0, 10.1f, 1, 11.1f, 0, 100, 1, 101});
}
Tensor six_scores() { return Tensor::from_vector<float>({1, 1, 6}, {0.9f, 0.75f, 0.6f, 0.95f, 0.5f, 0.3f}); }

TEST(NonMaxSuppression, SuppressesOverlapsInScoreOrder) {
  auto out = run_nms(six_boxes(), six_scores(), {i64(3), f32(0.5f), f32(0.0f)});
  ASSERT_TRUE(out.is_ok()) << out.status().to_string();
  EXPECT_EQ(triples(*out), (Triples{{0, 0, 3}, {0, 0, 0}, {0, 0, 5}}));
}

TEST(NonMaxSuppression, LimitAndScoreThreshold) {
  auto limited = run_nms(six_boxes(), six_scores(), {i64(2), f32(0.5f), f32(0.0f)});
  ASSERT_TRUE(limited.is_ok());
  EXPECT_EQ(triples(*limited), (Triples{{0, 0, 3}, {0, 0, 0}}));
  // The threshold is strict: a score equal to it is dropped (0.3 for box 5).
  auto thresholded = run_nms(six_boxes(), six_scores(), {i64(10), f32(0.5f), f32(0.3f)});
  ASSERT_TRUE(thresholded.is_ok());
  EXPECT_EQ(triples(*thresholded), (Triples{{0, 0, 3}, {0, 0, 0}}));
}

TEST(NonMaxSuppression, AbsentOrZeroLimitSelectsNothing) {
  for (auto extra :
       std::vector<std::vector<Tensor>>{{}, {i64(0)}, {i64(-4)}, {Tensor::from_vector<int64_t>({0}, {})}}) {
    auto out = run_nms(six_boxes(), six_scores(), extra);
    ASSERT_TRUE(out.is_ok()) << out.status().to_string();
    EXPECT_EQ(out->shape(), (Shape{0, 3}));
  }
}

TEST(NonMaxSuppression, IdenticalScoresKeepLowestIndex) {
  const Tensor boxes = Tensor::from_vector<float>({1, 3, 4}, {0, 0, 1, 1, 0, 0, 1, 1, 5, 5, 6, 6});
  const Tensor scores = Tensor::from_vector<float>({1, 1, 3}, {0.5f, 0.5f, 0.5f});
  auto out = run_nms(boxes, scores, {i64(5), f32(0.5f)});
  ASSERT_TRUE(out.is_ok());
  EXPECT_EQ(triples(*out), (Triples{{0, 0, 0}, {0, 0, 2}}));
}

TEST(NonMaxSuppression, CenterPointAndFlippedCornersAgree) {
  // Box i as [y1, x1, y2, x2], the same with corners swapped, and as [xc, yc, w, h].
  std::mt19937 rng(5);
  std::uniform_real_distribution<float> pos(0, 10), size(0.5f, 3);
  const int n = 40;
  std::vector<float> corners, flipped, centers;
  for (int i = 0; i < n; ++i) {
    // Quarter-unit values keep the three encodings exactly equal in float.
    const float y = std::round(pos(rng) * 4) / 4, x = std::round(pos(rng) * 4) / 4;
    const float h = std::round(size(rng) * 4) / 4, w = std::round(size(rng) * 4) / 4;
    corners.insert(corners.end(), {y, x, y + h, x + w});
    flipped.insert(flipped.end(), {y + h, x + w, y, x});
    centers.insert(centers.end(), {x + w / 2, y + h / 2, w, h});
  }
  const Tensor scores = random_tensor({1, 2, n}, rng, 0, 1);
  std::vector<Tensor> extra = {i64(n), f32(0.3f), f32(0.2f)};
  auto a = run_nms(Tensor::from_vector<float>({1, n, 4}, corners), scores, extra);
  auto b = run_nms(Tensor::from_vector<float>({1, n, 4}, flipped), scores, extra);
  auto c = run_nms(Tensor::from_vector<float>({1, n, 4}, centers), scores, extra, 1);
  ASSERT_TRUE(a.is_ok() && b.is_ok() && c.is_ok());
  EXPECT_GT(a->dim(0), 4);
  EXPECT_LT(a->dim(0), 2 * n);  // some boxes were suppressed
  EXPECT_EQ(triples(*a), triples(*b));
  EXPECT_EQ(triples(*a), triples(*c));
}

// Greedy NMS in double, written from the spec's description.
Triples reference_nms(const std::vector<float>& boxes, const std::vector<float>& scores, int64_t batches,
                      int64_t classes, int64_t count, int64_t limit, double iou_max, double score_min) {
  Triples out;
  for (int64_t b = 0; b < batches; ++b) {
    for (int64_t c = 0; c < classes; ++c) {
      const float* s = &scores[(b * classes + c) * count];
      std::vector<int64_t> order;
      for (int64_t i = 0; i < count; ++i)
        if (s[i] > score_min) order.push_back(i);
      std::sort(order.begin(), order.end(),
                [&](int64_t x, int64_t y) { return s[x] > s[y] || (s[x] == s[y] && x < y); });
      std::vector<int64_t> kept;
      for (int64_t i : order) {
        if (static_cast<int64_t>(kept.size()) == limit) break;
        const float* p = &boxes[(b * count + i) * 4];
        bool keep = true;
        for (int64_t k : kept) {
          const float* q = &boxes[(b * count + k) * 4];
          const double iy = std::min<double>(p[2], q[2]) - std::max<double>(p[0], q[0]);
          const double ix = std::min<double>(p[3], q[3]) - std::max<double>(p[1], q[1]);
          if (iy <= 0 || ix <= 0) continue;
          const double inter = iy * ix;
          const double uni = double(p[2] - p[0]) * (p[3] - p[1]) + double(q[2] - q[0]) * (q[3] - q[1]) - inter;
          if (inter / uni > iou_max) keep = false;
        }
        if (keep) {
          kept.push_back(i);
          out.push_back({b, c, i});
        }
      }
    }
  }
  return out;
}

TEST(NonMaxSuppression, MatchesReferenceOnRandomBatchesAndClasses) {
  std::mt19937 rng(11);
  std::uniform_real_distribution<float> pos(0, 20), size(1, 6);
  for (const auto& [batches, classes, count, limit] :
       std::vector<std::array<int64_t, 4>>{{1, 1, 7, 3}, {2, 3, 50, 10}, {3, 5, 97, 1000}, {1, 2, 1, 1}}) {
    std::vector<float> boxes;
    for (int64_t i = 0; i < batches * count; ++i) {
      const float y = pos(rng), x = pos(rng);
      boxes.insert(boxes.end(), {y, x, y + size(rng), x + size(rng)});
    }
    const Tensor scores = random_tensor({batches, classes, count}, rng, 0, 1);
    const std::vector<float> sv(scores.data<float>(), scores.data<float>() + scores.numel());
    auto out =
        run_nms(Tensor::from_vector<float>({batches, count, 4}, boxes), scores, {i64(limit), f32(0.4f), f32(0.25f)});
    ASSERT_TRUE(out.is_ok()) << out.status().to_string();
    EXPECT_EQ(triples(*out), reference_nms(boxes, sv, batches, classes, count, limit, 0.4, 0.25))
        << batches << "x" << classes << "x" << count;
  }
}

TEST(NonMaxSuppression, NanScoresAreNeverSelected) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const Tensor boxes = Tensor::from_vector<float>({1, 3, 4}, {0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5});
  const Tensor scores = Tensor::from_vector<float>({1, 1, 3}, {nan, 0.2f, nan});
  auto out = run_nms(boxes, scores, {i64(3)});
  ASSERT_TRUE(out.is_ok());
  EXPECT_EQ(triples(*out), (Triples{{0, 0, 1}}));
}

TEST(NonMaxSuppression, RejectsBadInputs) {
  const Tensor scores = six_scores();
  EXPECT_FALSE(run_nms(Tensor::from_vector<float>({1, 6, 3}, std::vector<float>(18)), scores, {i64(1)}).is_ok());
  EXPECT_FALSE(run_nms(Tensor::from_vector<float>({6, 4}, std::vector<float>(24)), scores, {i64(1)}).is_ok());
  EXPECT_FALSE(run_nms(six_boxes(), Tensor::from_vector<float>({1, 1, 5}, std::vector<float>(5)), {i64(1)}).is_ok());
  EXPECT_FALSE(run_nms(six_boxes(), Tensor::from_vector<float>({2, 1, 6}, std::vector<float>(12)), {i64(1)}).is_ok());
  EXPECT_FALSE(run_nms(six_boxes(), scores, {i64(1), f32(1.5f)}).is_ok());
  EXPECT_FALSE(run_nms(six_boxes(), scores, {i64(1), f32(-0.1f)}).is_ok());
  EXPECT_FALSE(run_nms(six_boxes(), scores, {Tensor::from_vector<int64_t>({2}, {1, 2})}).is_ok());
  auto bad_attr = run_nms(six_boxes(), scores, {i64(1)}, 2);
  ASSERT_FALSE(bad_attr.is_ok());
  EXPECT_NE(bad_attr.status().to_string().find("center_point_box"), std::string::npos);
  auto bad_type = run_nms(Tensor::from_vector<double>({1, 6, 4}, std::vector<double>(24)), scores, {i64(1)});
  ASSERT_FALSE(bad_type.is_ok());
  EXPECT_NE(bad_type.status().to_string().find("boxes"), std::string::npos);
}

}  // namespace
}  // namespace coreinfer::dettest
