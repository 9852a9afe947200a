// preprocess_image on the sample images reproduces the input tensors recorded in the reference
// ONNX test data (made with PIL decoding and a float64 numpy resize; see tests/data/onnx/LICENSES.md).
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>

#include "formats/image/preprocess.h"
#include "formats/onnx/onnx_tensor_io.h"
#include "support/test_support.h"

namespace coreinfer {
namespace {

using testing::data_path;

struct Case {
  const char* image;
  const char* tensor;  // under tests/data/onnx/
  const char* name;
  double tolerance;
};

PreprocessOptions options_for(const std::string& name) {
  if (name == "mnist") return PreprocessOptions::mnist();
  if (name == "blazeface") return PreprocessOptions::blazeface(128);
  return PreprocessOptions::imagenet();
}

class PreprocessReference : public ::testing::TestWithParam<Case> {};

TEST_P(PreprocessReference, MatchesRecordedInput) {
  const Case& c = GetParam();
  auto recorded = read_tensor_file(data_path(std::string("onnx/") + c.tensor));
  ASSERT_TRUE(recorded.is_ok()) << recorded.status().to_string();
  const Tensor& expected_tensor = recorded->second;
  ASSERT_EQ(expected_tensor.type(), ElemType::kFloat);
  const std::vector<float> expected_floats(expected_tensor.data<float>(),
                                           expected_tensor.data<float>() + expected_tensor.numel());

  auto image = decode_image_file(data_path(std::string("onnx/images/") + c.image));
  ASSERT_TRUE(image.is_ok()) << image.status().to_string();
  auto tensor = preprocess_image(*image, options_for(c.name));
  ASSERT_TRUE(tensor.is_ok()) << tensor.status().to_string();
  ASSERT_EQ(tensor->type(), ElemType::kFloat);
  ASSERT_EQ(tensor->shape(), expected_tensor.shape());

  const float* actual = tensor->data<float>();
  double max_abs = 0;
  size_t worst = 0, not_identical = 0;
  for (size_t i = 0; i < expected_floats.size(); ++i) {
    const double d = std::fabs(static_cast<double>(actual[i]) - expected_floats[i]);
    not_identical += actual[i] != expected_floats[i];
    if (d > max_abs) max_abs = d, worst = i;
  }
  EXPECT_LE(max_abs, c.tolerance) << "worst element " << worst << ": " << actual[worst] << " vs "
                                  << expected_floats[worst];
  std::printf("  %s: max |diff| %.3g, %zu of %zu values not bit-identical\n", c.image, max_abs, not_identical,
              expected_floats.size());
}

INSTANTIATE_TEST_SUITE_P(
    Models, PreprocessReference,
    ::testing::Values(
        // ImageNet MobileNetV2: shorter side 256, centre crop 224, mean/std, NCHW.
        Case{"chelsea.png", "mobilenetv2-12-int8/test_data_set_0/input_0.pb", "imagenet", 1e-4},
        Case{"coffee.png", "mobilenetv2-12-int8/test_data_set_1/input_0.pb", "imagenet", 1e-4},
        // BlazeFace: centre square crop of the 640x427 JPEG, resize to 128x128, x/127.5-1, NHWC.
        Case{"rocket.jpg", "blazeface-front-128/test_data_set_1/input_0.pb", "blazeface", 1e-5},
        // MNIST: the grey BMP as is, x/255, [1,1,28,28]; every value is exact.
        Case{"mnist_nine.bmp", "mnist-8/test_data_set_0/input_0.pb", "mnist", 0.0}),
    [](const auto& info) { return std::string(info.param.name) + "_" + std::to_string(info.index); });

}  // namespace
}  // namespace coreinfer
