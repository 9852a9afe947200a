#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "core/half.h"
#include "op_runner.h"

namespace coreinfer {
namespace {

using test::run_op;
using test::values_of;

Attributes to(ElemType t) {
  Attributes a;
  a.set_int("to", static_cast<int64_t>(t));
  return a;
}

TEST(ElementwiseCast, FloatToIntegersTruncatesTowardZero) {
  const Tensor x = Tensor::from_vector<float>({6}, {-1.7f, -0.5f, 0.5f, 1.99f, 300.0f, std::nanf("")});
  auto y = run_op("Cast", {x}, to(ElemType::kInt32));
  ASSERT_TRUE(y.is_ok()) << y.status().to_string();
  ASSERT_EQ(y->type(), ElemType::kInt32);
  EXPECT_EQ(values_of<int32_t>(*y), (std::vector<int32_t>{-1, 0, 0, 1, 300, 0}));
  y = run_op("Cast", {x}, to(ElemType::kInt64));
  ASSERT_TRUE(y.is_ok());
  EXPECT_EQ(values_of<int64_t>(*y), (std::vector<int64_t>{-1, 0, 0, 1, 300, 0}));
  y = run_op("Cast", {Tensor::from_vector<float>({2}, {1e30f, -1e30f})}, to(ElemType::kInt64));
  ASSERT_TRUE(y.is_ok());  // out of range saturates instead of being undefined
  EXPECT_EQ(values_of<int64_t>(*y),
            (std::vector<int64_t>{std::numeric_limits<int64_t>::max(), std::numeric_limits<int64_t>::min()}));
}

TEST(ElementwiseCast, RoundTrips) {
  const std::vector<float> v = {0.0f, -0.0f, 1.0f, -2.5f, 65504.0f, 1e-3f, 3.140625f};
  const Tensor x = Tensor::from_vector<float>({7}, v);
  for (ElemType mid : {ElemType::kDouble, ElemType::kFloat16, ElemType::kBFloat16}) {
    SCOPED_TRACE(elem_type_name(mid));
    auto m = run_op("Cast", {x}, to(mid));
    ASSERT_TRUE(m.is_ok());
    ASSERT_EQ(m->type(), mid);
    auto back = run_op("Cast", {*m}, to(ElemType::kFloat));
    ASSERT_TRUE(back.is_ok());
    for (size_t i = 0; i < v.size(); ++i) {
      const double tol = mid == ElemType::kBFloat16 ? 1.0 / 256 : (mid == ElemType::kFloat16 ? 1.0 / 2048 : 0.0);
      EXPECT_NEAR(back->data<float>()[i], v[i], tol * std::fabs(v[i])) << i;
    }
  }
  // Exact values through float16 bits.
  auto h = run_op("Cast", {Tensor::from_vector<float>({2}, {1.5f, -65504.0f})}, to(ElemType::kFloat16));
  ASSERT_TRUE(h.is_ok());
  EXPECT_EQ(h->data<uint16_t>()[0], 0x3E00);
  EXPECT_EQ(h->data<uint16_t>()[1], 0xFBFF);
  // int64 through double and back: exact below 2^53.
  const std::vector<int64_t> ints = {0, -1, (int64_t{1} << 53) - 1, -123456789012LL};
  auto d = run_op("Cast", {Tensor::from_vector<int64_t>({4}, ints)}, to(ElemType::kDouble));
  ASSERT_TRUE(d.is_ok());
  auto i64 = run_op("Cast", {*d}, to(ElemType::kInt64));
  ASSERT_TRUE(i64.is_ok());
  EXPECT_EQ(values_of<int64_t>(*i64), ints);
}

TEST(ElementwiseCast, IntegersAndBool) {
  const Tensor x = Tensor::from_vector<int32_t>({4}, {-1, 0, 2, 257});
  auto y = run_op("Cast", {x}, to(ElemType::kUint8));
  ASSERT_TRUE(y.is_ok());
  EXPECT_EQ(values_of<uint8_t>(*y), (std::vector<uint8_t>{255, 0, 2, 1}));  // modular
  y = run_op("Cast", {x}, to(ElemType::kBool));
  ASSERT_TRUE(y.is_ok());
  EXPECT_EQ(values_of<bool>(*y), (std::vector<bool>{true, false, true, true}));
  auto f = run_op("Cast", {*y}, to(ElemType::kFloat));
  ASSERT_TRUE(f.is_ok());
  EXPECT_EQ(values_of<float>(*f), (std::vector<float>{1, 0, 1, 1}));
  y = run_op("Cast", {Tensor::from_vector<float>({3}, {0.0f, 0.25f, -0.0f})}, to(ElemType::kBool));
  ASSERT_TRUE(y.is_ok());
  EXPECT_EQ(values_of<bool>(*y), (std::vector<bool>{false, true, false}));
  y = run_op("Cast", {Tensor::from_vector<uint64_t>({1}, {~uint64_t{0}})}, to(ElemType::kFloat));
  ASSERT_TRUE(y.is_ok());
  EXPECT_FLOAT_EQ(y->data<float>()[0], 18446744073709551616.0f);
}

TEST(ElementwiseCast, StringsAndBadTargetsAreErrors) {
  const Tensor x = Tensor::from_vector<float>({1}, {1});
  auto y = run_op("Cast", {x}, to(ElemType::kString));
  ASSERT_FALSE(y.is_ok());
  EXPECT_EQ(y.status().code(), StatusCode::kUnsupported);
  EXPECT_FALSE(run_op("Cast", {x}).is_ok());  // 'to' missing
  Attributes bad;
  bad.set_int("to", 99);
  EXPECT_FALSE(run_op("Cast", {x}, bad).is_ok());
}

TEST(ElementwiseCast, CastLikeTakesTheSecondInputsType) {
  auto y = run_op("CastLike", {Tensor::from_vector<double>({2}, {2.75, -3.5}), Tensor::from_vector<int16_t>({0}, {})});
  ASSERT_TRUE(y.is_ok()) << y.status().to_string();
  ASSERT_EQ(y->type(), ElemType::kInt16);
  EXPECT_EQ(values_of<int16_t>(*y), (std::vector<int16_t>{2, -3}));
}

}  // namespace
}  // namespace coreinfer
