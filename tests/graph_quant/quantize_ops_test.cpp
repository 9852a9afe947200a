// QuantizeLinear, DequantizeLinear, DynamicQuantizeLinear: hand-computed values (rounding half
// to even, saturation), per-axis parameters, and error cases.
#include "quant_test_util.h"

namespace coreinfer::quant_test {
namespace {

TEST(QuantizeLinear, RoundsHalfToEvenAndSaturates) {
  Tensor x = make<float>({8}, {0.0f, 1.0f, 2.5f, 3.5f, -2.5f, 1000.0f, -1000.0f, 0.49f});
  auto out = run_op("", "QuantizeLinear", {x, scalar<float>(1.0f), scalar<uint8_t>(128)});
  ASSERT_TRUE(out.is_ok()) << out.status().to_string();
  EXPECT_EQ((*out)[0].type(), ElemType::kUint8);
  EXPECT_EQ(values<uint8_t>((*out)[0]), (std::vector<uint8_t>{128, 129, 130, 132, 126, 255, 0, 128}));

  auto s8 = run_op("", "QuantizeLinear", {x, scalar<float>(0.5f), scalar<int8_t>(-1)});
  ASSERT_TRUE(s8.is_ok()) << s8.status().to_string();
  // x / 0.5 = 0, 2, 5, 7, -5, 2000, -2000, 0.98 -> +(-1)
  EXPECT_EQ(values<int8_t>((*s8)[0]), (std::vector<int8_t>{-1, 1, 4, 6, -6, 127, -128, 0}));
}

TEST(QuantizeLinear, DefaultsToUint8WithoutZeroPoint) {
  Tensor x = make<float>({3}, {-1.0f, 0.75f, 1.25f});
  auto out = run_op("", "QuantizeLinear", {x, scalar<float>(0.5f)});
  ASSERT_TRUE(out.is_ok()) << out.status().to_string();
  EXPECT_EQ((*out)[0].type(), ElemType::kUint8);
  EXPECT_EQ(values<uint8_t>((*out)[0]), (std::vector<uint8_t>{0, 2, 2}));  // 1.5 -> 2, 2.5 -> 2
}

TEST(QuantizeLinear, PerAxis) {
  // x [2,3,2], axis 1: scales per channel
  std::vector<float> xv{1, 2, 3, 4, 5, 6, -1, -2, -3, -4, -5, -6};
  Tensor x = make<float>({2, 3, 2}, xv);
  Tensor s = make<float>({3}, {1.0f, 2.0f, 4.0f});
  Tensor z = make<int8_t>({3}, {0, 10, -10});
  auto out = run_op("", "QuantizeLinear", {x, s, z});
  ASSERT_TRUE(out.is_ok()) << out.status().to_string();
  EXPECT_EQ(values<int8_t>((*out)[0]), (std::vector<int8_t>{1, 2, 12, 12, -9, -8, -1, -2, 8, 8, -11, -12}));
  Attributes a;
  a.set_int("axis", -1);
  auto last = run_op("", "QuantizeLinear", {make<float>({2, 2}, {2, 2, 2, 2}), make<float>({2}, {1.0f, 2.0f})}, a);
  ASSERT_TRUE(last.is_ok()) << last.status().to_string();
  EXPECT_EQ(values<uint8_t>((*last)[0]), (std::vector<uint8_t>{2, 1, 2, 1}));
}

TEST(QuantizeLinear, Errors) {
  Tensor x = make<float>({2, 3}, std::vector<float>(6, 1.0f));
  auto r1 = run_op("", "QuantizeLinear", {x, make<float>({2}, {1.0f, 1.0f})});  // axis 1 has 3
  ASSERT_FALSE(r1.is_ok());
  EXPECT_NE(r1.status().message().find("y_scale"), std::string::npos) << r1.status().message();
  auto r2 = run_op("", "QuantizeLinear", {x, scalar<float>(1.0f), make<uint8_t>({3}, {1, 2, 3})});
  ASSERT_FALSE(r2.is_ok());
  auto r3 = run_op("", "QuantizeLinear", {x, scalar<int32_t>(1)});
  ASSERT_FALSE(r3.is_ok());
  EXPECT_NE(r3.status().message().find("float"), std::string::npos);
  auto r4 = run_op("", "QuantizeLinear", {x});
  ASSERT_FALSE(r4.is_ok());
  EXPECT_NE(r4.status().message().find("y_scale"), std::string::npos);
  Attributes blocked;
  blocked.set_int("block_size", 2);
  auto r5 = run_op("", "QuantizeLinear", {x, scalar<float>(1.0f)}, blocked);
  ASSERT_FALSE(r5.is_ok());
}

TEST(DequantizeLinear, PerTensorPerAxisAndInt32) {
  auto u8 = run_op("", "DequantizeLinear", {make<uint8_t>({4}, {0, 3, 128, 255}), scalar<float>(2.0f), scalar<uint8_t>(128)});
  ASSERT_TRUE(u8.is_ok()) << u8.status().to_string();
  EXPECT_EQ(values<float>((*u8)[0]), (std::vector<float>{-256, -250, 0, 254}));
  auto ax = run_op("", "DequantizeLinear",
                   {make<int8_t>({1, 2, 2}, {1, 2, 3, 4}), make<float>({2}, {0.5f, 2.0f}), make<int8_t>({2}, {1, -1})});
  ASSERT_TRUE(ax.is_ok()) << ax.status().to_string();
  EXPECT_EQ(values<float>((*ax)[0]), (std::vector<float>{0.0f, 0.5f, 8.0f, 10.0f}));
  auto i32 = run_op("", "DequantizeLinear", {make<int32_t>({2}, {-100000, 7}), scalar<float>(0.5f)});
  ASSERT_TRUE(i32.is_ok()) << i32.status().to_string();
  EXPECT_EQ(values<float>((*i32)[0]), (std::vector<float>{-50000.0f, 3.5f}));
  auto bad = run_op("", "DequantizeLinear", {make<uint8_t>({2}, {1, 2}), scalar<float>(1.0f), scalar<int8_t>(0)});
  ASSERT_FALSE(bad.is_ok());
  EXPECT_NE(bad.status().message().find("x_zero_point"), std::string::npos) << bad.status().message();
}

TEST(DynamicQuantizeLinear, SpecExample) {
  // The ONNX operator documentation's example.
  Tensor x = make<float>({6}, {0.0f, 2.0f, -3.0f, -2.5f, 1.34f, 0.5f});
  auto out = run_op("", "DynamicQuantizeLinear", {x}, {}, 3);
  ASSERT_TRUE(out.is_ok()) << out.status().to_string();
  EXPECT_FLOAT_EQ((*out)[1].data<float>()[0], 5.0f / 255.0f);
  EXPECT_EQ((*out)[2].data<uint8_t>()[0], 153);
  EXPECT_EQ(values<uint8_t>((*out)[0]), (std::vector<uint8_t>{153, 255, 0, 26, 221, 179}));
  // All positive: the range still includes zero, zero point 0.
  auto pos = run_op("", "DynamicQuantizeLinear", {make<float>({3}, {1.0f, 2.55f, 0.5f})}, {}, 3);
  ASSERT_TRUE(pos.is_ok());
  EXPECT_EQ((*pos)[2].data<uint8_t>()[0], 0);
  EXPECT_EQ(values<uint8_t>((*pos)[0]), (std::vector<uint8_t>{100, 255, 50}));
}

}  // namespace
}  // namespace coreinfer::quant_test
