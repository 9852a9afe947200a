// Expected values are the ONNX backend test outputs (onnx 1.12 node tests) for the same inputs.
#include <gtest/gtest.h>

#include "op_runner.h"

namespace coreinfer::test {
namespace {

void expect_near(const Tensor& y, const std::vector<float>& want, float tol = 1e-5f) {
  ASSERT_EQ(y.numel(), static_cast<int64_t>(want.size()));
  for (size_t i = 0; i < want.size(); ++i) EXPECT_NEAR(y.data<float>()[i], want[i], tol) << "at " << i;
}

TEST(Resize, LinearHalfPixelUpsample) {
  OpCall c{"Resize"};
  c.opset = 13;
  c.attrs.set_string("mode", "linear");
  c.inputs = {f32({1, 1, 2, 2}, {1, 2, 3, 4}), Tensor(), f32({4}, {1, 1, 2, 2})};
  Tensor y = run_ok(c);
  EXPECT_EQ(y.shape(), (Shape{1, 1, 4, 4}));
  expect_near(y, {1, 1.25, 1.75, 2, 1.5, 1.75, 2.25, 2.5, 2.5, 2.75, 3.25, 3.5, 3, 3.25, 3.75, 4});
}

TEST(Resize, LinearAlignCornersDownsampleUsesUnflooredLength) {
  OpCall c{"Resize"};
  c.opset = 13;
  c.attrs.set_string("mode", "linear");
  c.attrs.set_string("coordinate_transformation_mode", "align_corners");
  c.inputs = {f32({1, 1, 2, 4}, {1, 2, 3, 4, 5, 6, 7, 8}), Tensor(), f32({4}, {1, 1, 0.6f, 0.6f})};
  Tensor y = run_ok(c);
  EXPECT_EQ(y.shape(), (Shape{1, 1, 1, 2}));
  expect_near(y, {1, 3.142857f});
}

TEST(Resize, CubicUpsample) {
  OpCall c{"Resize"};
  c.opset = 13;
  c.attrs.set_string("mode", "cubic");
  c.inputs = {iota_f32({1, 1, 4, 4}), Tensor(), f32({4}, {1, 1, 2, 2})};
  Tensor y = run_ok(c);
  ASSERT_EQ(y.shape(), (Shape{1, 1, 8, 8}));
  // First row of the ONNX expected output, minus 1 (our input is 0-based).
  const std::vector<float> row0 = {0.47265625f, 0.76953125f, 1.24609375f, 1.875f, 2.28125f, 2.91015625f, 3.38671875f, 3.68359375f};
  for (int i = 0; i < 8; ++i) EXPECT_NEAR(y.data<float>()[i], row0[i] - 1, 1e-5);
  EXPECT_NEAR(y.data<float>()[63], 16.52734375f - 1, 1e-5);
}

TEST(Resize, NearestCeilHalfPixelSizes) {
  OpCall c{"Resize"};
  c.opset = 13;
  c.attrs.set_string("nearest_mode", "ceil");
  c.inputs = {iota_f32({1, 1, 4, 4}), Tensor(), Tensor(), i64v({1, 1, 8, 8})};
  Tensor y = run_ok(c);
  const std::vector<float> want = {1, 2, 2, 3, 3, 4, 4, 4};  // row 0 (1-based values in the ONNX test)
  for (int i = 0; i < 8; ++i) EXPECT_EQ(y.data<float>()[i], want[i] - 1);
  const std::vector<float> row7 = {13, 14, 14, 15, 15, 16, 16, 16};
  for (int i = 0; i < 8; ++i) EXPECT_EQ(y.data<float>()[56 + i], row7[i] - 1);
}

TEST(Resize, NearestOtherTypesAndModes) {
  OpCall c{"Resize"};
  c.opset = 13;
  c.attrs.set_string("coordinate_transformation_mode", "asymmetric");
  c.attrs.set_string("nearest_mode", "floor");
  c.inputs = {Tensor::from_vector<uint8_t>({1, 3}, {10, 20, 30}), Tensor(), f32({2}, {2, 2})};
  Tensor y = run_ok(c);
  EXPECT_EQ(y.shape(), (Shape{2, 6}));
  EXPECT_EQ(values<uint8_t>(y), (std::vector<uint8_t>{10, 10, 20, 20, 30, 30, 10, 10, 20, 20, 30, 30}));
}

TEST(Resize, TfCropAndResizeExtrapolates) {
  OpCall c{"Resize"};
  c.opset = 13;
  c.attrs.set_string("mode", "linear");
  c.attrs.set_string("coordinate_transformation_mode", "tf_crop_and_resize");
  c.attrs.set_float("extrapolation_value", 10);
  c.inputs = {f32({1, 1, 4, 4}, {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}),
              f32({8}, {0, 0, 0.4f, 0.6f, 1, 1, 1.2f, 1.7f}), Tensor(), i64v({1, 1, 3, 3})};
  expect_near(run_ok(c), {7.6f, 10, 10, 12.4f, 10, 10, 10, 10, 10}, 1e-4f);
}

TEST(Resize, PytorchHalfPixelToSizeOne) {
  OpCall c{"Resize"};
  c.opset = 13;
  c.attrs.set_string("mode", "linear");
  c.attrs.set_string("coordinate_transformation_mode", "pytorch_half_pixel");
  c.inputs = {f32({1, 1, 4, 4}, {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}), Tensor(), Tensor(),
              i64v({1, 1, 3, 1})};
  expect_near(run_ok(c), {1.6666666f, 7, 12.333333f});
}

TEST(Resize, Opset10AndUpsampleForms) {
  OpCall r{"Resize"};
  r.opset = 10;
  r.inputs = {f32({1, 1, 2, 2}, {1, 2, 3, 4}), f32({4}, {1, 1, 2, 3})};
  Tensor y = run_ok(r);
  EXPECT_EQ(y.shape(), (Shape{1, 1, 4, 6}));
  EXPECT_EQ(values<float>(y), (std::vector<float>{1, 1, 1, 2, 2, 2, 1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4, 3, 3, 3, 4, 4, 4}));
  OpCall u{"Upsample"};
  u.opset = 9;
  u.inputs = r.inputs;
  EXPECT_EQ(values<float>(run_ok(u)), values<float>(y));
  OpCall u7{"Upsample"};
  u7.opset = 7;
  u7.attrs.set_floats("scales", {1, 2});
  u7.attrs.set_string("mode", "linear");
  u7.inputs = {f32({1, 2}, {1, 3})};
  expect_near(run_ok(u7), {1, 2, 3, 3});  // asymmetric: x/2, clamped at the edge
}

TEST(Resize, Errors) {
  OpCall c{"Resize"};
  c.opset = 13;
  c.inputs = {iota_f32({1, 2}), Tensor(), f32({1}, {2})};
  EXPECT_FALSE(run_op(c).is_ok());  // wrong scale count
  c.inputs = {iota_f32({1, 2}), Tensor(), f32({2}, {1, 2}), i64v({1, 4})};
  EXPECT_FALSE(run_op(c).is_ok());  // both scales and sizes
  c.inputs = {iota_f32({1, 2}), Tensor(), f32({2}, {1, -2})};
  EXPECT_FALSE(run_op(c).is_ok());
  c.attrs.set_string("mode", "area");
  EXPECT_FALSE(run_op(c).is_ok());
  OpCall l{"Resize"};
  l.attrs.set_string("mode", "linear");
  l.inputs = {i64({1, 2}, {1, 2}), Tensor(), f32({2}, {1, 2})};
  EXPECT_FALSE(run_op(l).is_ok());
}

TEST(Resize, Opset18AxesAndAspectPolicy) {
  OpCall c{"Resize"};
  c.opset = 18;
  c.attrs.set_ints("axes", {-1});
  c.inputs = {f32({2, 2}, {1, 2, 3, 4}), Tensor(), f32({1}, {2})};
  EXPECT_EQ(run_ok(c).shape(), (Shape{2, 4}));
  OpCall k{"Resize"};
  k.opset = 18;
  k.attrs.set_string("keep_aspect_ratio_policy", "not_larger");
  k.inputs = {iota_f32({1, 1, 2, 4}), Tensor(), Tensor(), i64v({1, 1, 4, 4})};
  EXPECT_EQ(run_ok(k).shape(), (Shape{1, 1, 2, 4}));
}

}  // namespace
}  // namespace coreinfer::test
