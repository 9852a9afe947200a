#include <gtest/gtest.h>

#include "op_runner.h"

namespace coreinfer::test {
namespace {

// out[i0..] = in[index with out dim d = in dim perm[d]], by a plain loop.
std::vector<float> transpose_ref(const Tensor& x, const std::vector<int64_t>& perm) {
  const Shape& s = x.shape();
  const int r = x.rank();
  std::vector<int64_t> in_strides(r, 1);
  for (int d = r - 2; d >= 0; --d) in_strides[d] = in_strides[d + 1] * s[d + 1];
  Shape os(r);
  for (int d = 0; d < r; ++d) os[d] = s[perm[d]];
  std::vector<float> out;
  std::vector<int64_t> idx(r, 0);
  for (int64_t i = 0; i < x.numel(); ++i) {
    int64_t off = 0;
    for (int d = 0; d < r; ++d) off += idx[d] * in_strides[perm[d]];
    out.push_back(x.data<float>()[off]);
    for (int d = r - 1; d >= 0; --d) {
      if (++idx[d] < os[d]) break;
      idx[d] = 0;
    }
  }
  return out;
}

TEST(Transpose, DefaultReversesAndPermsMatchReference) {
  Tensor x = iota_f32({2, 3, 5});
  Tensor y = run_ok(OpCall{"Transpose", 21, {}, {x}});
  EXPECT_EQ(y.shape(), (Shape{5, 3, 2}));
  EXPECT_EQ(values<float>(y), transpose_ref(x, {2, 1, 0}));
  for (std::vector<int64_t> perm : {std::vector<int64_t>{0, 2, 1}, {1, 0, 2}, {2, 0, 1}, {1, 2, 0}, {0, 1, 2}}) {
    OpCall c{"Transpose"};
    c.attrs.set_ints("perm", perm);
    c.inputs = {x};
    EXPECT_EQ(values<float>(run_ok(c)), transpose_ref(x, perm));
  }
}

TEST(Transpose, LargeThreadedAndOtherTypes) {
  Tensor x = iota_f32({7, 33, 65, 9});
  OpCall c{"Transpose"};
  c.attrs.set_ints("perm", {3, 1, 0, 2});
  c.inputs = {x};
  c.threaded = true;
  EXPECT_EQ(values<float>(run_ok(c)), transpose_ref(x, {3, 1, 0, 2}));
  OpCall b{"Transpose"};
  b.inputs = {Tensor::from_vector<uint8_t>({2, 3}, {1, 2, 3, 4, 5, 6})};
  EXPECT_EQ(values<uint8_t>(run_ok(b)), (std::vector<uint8_t>{1, 4, 2, 5, 3, 6}));
  b.inputs = {Tensor::allocate(ElemType::kInt16, {0, 3}).value()};
  EXPECT_EQ(run_ok(b).shape(), (Shape{3, 0}));
}

TEST(Transpose, TiledPathAllElementSizes) {
  // Source contiguous along an output dim other than the last: the tiled copy.
  Tensor f = iota_f32({37, 41, 3});
  OpCall c{"Transpose"};
  c.attrs.set_ints("perm", {2, 1, 0});
  c.inputs = {f};
  EXPECT_EQ(values<float>(run_ok(c)), transpose_ref(f, {2, 1, 0}));
  c.attrs.set_ints("perm", {1, 0});
  std::vector<int64_t> v64(37 * 41);
  std::vector<int16_t> v16(37 * 41);
  std::vector<uint8_t> v8(37 * 41);
  for (size_t i = 0; i < v64.size(); ++i) {
    v64[i] = static_cast<int64_t>(i) * 1000003;
    v16[i] = static_cast<int16_t>(i);
    v8[i] = static_cast<uint8_t>(i * 7);
  }
  c.inputs = {Tensor::from_vector<int64_t>({37, 41}, v64)};
  Tensor y64 = run_ok(c);
  c.inputs = {Tensor::from_vector<int16_t>({37, 41}, v16)};
  Tensor y16 = run_ok(c);
  c.inputs = {Tensor::from_vector<uint8_t>({37, 41}, v8)};
  Tensor y8 = run_ok(c);
  for (int i = 0; i < 37; ++i)
    for (int j = 0; j < 41; ++j) {
      ASSERT_EQ(y64.data<int64_t>()[j * 37 + i], v64[i * 41 + j]);
      ASSERT_EQ(y16.data<int16_t>()[j * 37 + i], v16[i * 41 + j]);
      ASSERT_EQ(y8.data<uint8_t>()[j * 37 + i], v8[i * 41 + j]);
    }
}

TEST(Transpose, BadPerm) {
  OpCall c{"Transpose"};
  c.inputs = {iota_f32({2, 3})};
  for (std::vector<int64_t> perm : {std::vector<int64_t>{0, 0}, {0, 2}, {0}, {0, 1, 2}}) {
    c.attrs.set_ints("perm", perm);
    auto r = run_op(c);
    EXPECT_FALSE(r.is_ok());
    EXPECT_NE(r.status().message().find("perm"), std::string::npos);
  }
}

TEST(Concat, AxesTypesAndErrors) {
  OpCall c{"Concat"};
  c.attrs.set_int("axis", -1);
  c.inputs = {i64({2, 1}, {1, 2}), i64({2, 2}, {3, 4, 5, 6}), i64({2, 0}, {})};
  Tensor y = run_ok(c);
  EXPECT_EQ(y.shape(), (Shape{2, 3}));
  EXPECT_EQ(values<int64_t>(y), (std::vector<int64_t>{1, 3, 4, 2, 5, 6}));
  c.attrs.set_int("axis", 0);
  c.inputs = {iota_f32({1, 2}), iota_f32({2, 2})};
  EXPECT_EQ(values<float>(run_ok(c)), (std::vector<float>{0, 1, 0, 1, 2, 3}));
  c.inputs = {iota_f32({1, 2}), iota_f32({1, 3})};
  EXPECT_FALSE(run_op(c).is_ok());
  c.inputs = {iota_f32({1, 2}), i64({1, 2}, {1, 2})};
  EXPECT_FALSE(run_op(c).is_ok());
  c.attrs.set_int("axis", 2);
  c.inputs = {iota_f32({1, 2})};
  EXPECT_FALSE(run_op(c).is_ok());
}

TEST(Split, AllForms) {
  Tensor x = iota_f32({2, 6});
  OpCall a{"Split"};
  a.opset = 11;
  a.attrs.set_int("axis", 1);
  a.attrs.set_ints("split", {1, 2, 3});
  a.inputs = {x};
  a.outputs = 3;
  auto r = run_op(a);
  ASSERT_TRUE(r.is_ok()) << r.status().to_string();
  EXPECT_EQ(values<float>((*r)[1]), (std::vector<float>{1, 2, 7, 8}));
  EXPECT_EQ(values<float>((*r)[2]), (std::vector<float>{3, 4, 5, 9, 10, 11}));
  OpCall b{"Split"};  // opset 13: split input
  b.opset = 13;
  b.attrs.set_int("axis", -1);
  b.inputs = {x, i64v({4, 2})};
  b.outputs = 2;
  r = run_op(b);
  ASSERT_TRUE(r.is_ok());
  EXPECT_EQ(values<float>((*r)[1]), (std::vector<float>{4, 5, 10, 11}));
  b.inputs = {x};  // equal parts
  r = run_op(b);
  ASSERT_TRUE(r.is_ok());
  EXPECT_EQ((*r)[0].shape(), (Shape{2, 3}));
  b.inputs = {x, i64v({4, 1})};
  EXPECT_FALSE(run_op(b).is_ok());
  OpCall c{"Split"};  // opset 18: num_outputs, last chunk smaller
  c.opset = 18;
  c.attrs.set_int("axis", 1);
  c.attrs.set_int("num_outputs", 4);
  c.inputs = {iota_f32({1, 7})};
  c.outputs = 4;
  r = run_op(c);
  ASSERT_TRUE(r.is_ok()) << r.status().to_string();
  EXPECT_EQ((*r)[0].shape(), (Shape{1, 2}));
  EXPECT_EQ(values<float>((*r)[3]), (std::vector<float>{6}));
  OpCall d{"Split"};
  d.inputs = {iota_f32({5})};
  d.outputs = 2;
  EXPECT_FALSE(run_op(d).is_ok());  // 5 not divisible by 2
}

TEST(Expand, BroadcastsBothWays) {
  OpCall c{"Expand"};
  c.inputs = {f32({3, 1}, {1, 2, 3}), i64v({2, 1, 4})};
  Tensor y = run_ok(c);
  EXPECT_EQ(y.shape(), (Shape{2, 3, 4}));
  std::vector<float> want;
  for (int b = 0; b < 2; ++b)
    for (int i = 0; i < 3; ++i)
      for (int j = 0; j < 4; ++j) want.push_back(static_cast<float>(i + 1));
  EXPECT_EQ(values<float>(y), want);
  c.inputs = {f32({3}, {1, 2, 3}), i64v({2, 2})};
  EXPECT_FALSE(run_op(c).is_ok());
}

TEST(Tile, RepeatsEachAxis) {
  OpCall c{"Tile"};
  c.inputs = {i32({2, 2}, {1, 2, 3, 4}), i64v({2, 3})};
  Tensor y = run_ok(c);
  EXPECT_EQ(y.shape(), (Shape{4, 6}));
  std::vector<int32_t> want;
  for (int i = 0; i < 4; ++i)
    for (int j = 0; j < 6; ++j) want.push_back(1 + (i % 2) * 2 + (j % 2));
  EXPECT_EQ(values<int32_t>(y), want);
  c.inputs = {i32({2, 2}, {1, 2, 3, 4}), i64v({2})};
  EXPECT_FALSE(run_op(c).is_ok());
  c.inputs = {i32({2, 2}, {1, 2, 3, 4}), i64v({0, 1})};
  EXPECT_EQ(run_ok(c).shape(), (Shape{0, 2}));
}

TEST(DepthToSpace, DcrCrdAndSpaceToDepthRoundTrip) {
  Tensor x = iota_f32({1, 8, 2, 3});
  for (const char* mode : {"DCR", "CRD"}) {
    OpCall c{"DepthToSpace"};
    c.attrs.set_int("blocksize", 2);
    c.attrs.set_string("mode", mode);
    c.inputs = {x};
    Tensor y = run_ok(c);
    ASSERT_EQ(y.shape(), (Shape{1, 2, 4, 6}));
    // Reference from the spec's formulas.
    for (int oc = 0; oc < 2; ++oc)
      for (int h = 0; h < 4; ++h)
        for (int w = 0; w < 6; ++w) {
          const int bh = h % 2, bw = w % 2;
          const int ic = std::string(mode) == "DCR" ? (bh * 2 + bw) * 2 + oc : oc * 4 + bh * 2 + bw;
          EXPECT_EQ(y.data<float>()[(oc * 4 + h) * 6 + w], x.data<float>()[(ic * 2 + h / 2) * 3 + w / 2]);
        }
    if (std::string(mode) == "DCR") {
      OpCall s{"SpaceToDepth"};
      s.attrs.set_int("blocksize", 2);
      s.inputs = {y};
      EXPECT_EQ(values<float>(run_ok(s)), values<float>(x));
    }
  }
  OpCall bad{"DepthToSpace"};
  bad.attrs.set_int("blocksize", 3);
  bad.inputs = {x};
  EXPECT_FALSE(run_op(bad).is_ok());
}

TEST(Trilu, UpperLowerWithK) {
  Tensor x = iota_f32({2, 3, 3});
  OpCall c{"Trilu"};
  c.inputs = {x};
  Tensor u = run_ok(c);
  EXPECT_EQ(values<float>(u)[9 + 3], 0.0f);
  EXPECT_EQ(values<float>(u)[9 + 4], 13.0f);
  c.attrs.set_int("upper", 0);
  c.inputs = {x, i64({}, {-1})};
  const std::vector<float> lower = values<float>(run_ok(c));
  EXPECT_EQ(std::vector<float>(lower.begin(), lower.begin() + 9), (std::vector<float>{0, 0, 0, 3, 0, 0, 6, 7, 0}));
  c.inputs = {x, i64({}, {5})};
  EXPECT_EQ(values<float>(run_ok(c)), values<float>(x));
}

}  // namespace
}  // namespace coreinfer::test
