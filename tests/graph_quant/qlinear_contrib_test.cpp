// com.microsoft QLinearAdd / QLinearMul / QLinearGlobalAveragePool / QLinearAveragePool /
// QLinearConcat / QLinearSigmoid / QLinearLeakyRelu against hand values and float references.
#include "quant_test_util.h"

namespace coreinfer::quant_test {
namespace {

const char* kMs = "com.microsoft";

std::vector<Tensor> binary_inputs(Tensor a, float sa, uint8_t za, Tensor b, float sb, uint8_t zb, float sc, uint8_t zc) {
  return {a, scalar<float>(sa), scalar<uint8_t>(za), b, scalar<float>(sb), scalar<uint8_t>(zb), scalar<float>(sc),
          scalar<uint8_t>(zc)};
}

TEST(QLinearAdd, HandValuesRoundHalfToEven) {
  // (10-0)*0.5 + (4-2)*0.25 = 5.5 -> 6;  (20-0)*0.5 + (6-2)*0.25 = 11;  (9)*0.5 + 0 = 4.5 -> 4
  auto out = run_op(kMs, "QLinearAdd",
                    binary_inputs(make<uint8_t>({3}, {10, 20, 9}), 0.5f, 0, make<uint8_t>({3}, {4, 6, 2}), 0.25f, 2, 1.0f, 0));
  ASSERT_TRUE(out.is_ok()) << out.status().to_string();
  EXPECT_EQ(values<uint8_t>((*out)[0]), (std::vector<uint8_t>{6, 11, 4}));
}

TEST(QLinearAdd, BroadcastingWithinOneUnitOfExactAndSaturates) {
  std::mt19937 rng(3);
  struct Shapes { Shape a, b; };
  for (const Shapes& s : {Shapes{{2, 3, 5}, {2, 3, 5}}, Shapes{{2, 3}, {3}}, Shapes{{4, 1}, {1, 6}}, Shapes{{7}, {}},
                          Shapes{{}, {9}}, Shapes{{2, 3, 4, 5}, {3, 1, 1}}}) {
    auto av = random_ints<uint8_t>(shape_numel(s.a), 0, 255, rng);
    auto bv = random_ints<uint8_t>(shape_numel(s.b), 0, 255, rng);
    const float sa = 0.03f, sb = 0.07f, sc = 0.05f;
    const uint8_t za = 120, zb = 30, zc = 100;
    auto out = run_op(kMs, "QLinearAdd", binary_inputs(make<uint8_t>(s.a, av), sa, za, make<uint8_t>(s.b, bv), sb, zb, sc, zc));
    ASSERT_TRUE(out.is_ok()) << out.status().to_string();
    const Tensor& c = (*out)[0];
    // numpy broadcasting reference in double
    Shape o = c.shape();
    const size_t r = o.size();
    Shape pa = s.a, pb = s.b;
    while (pa.size() < r) pa.insert(pa.begin(), 1);
    while (pb.size() < r) pb.insert(pb.begin(), 1);
    for (int64_t i = 0; i < c.numel(); ++i) {
      int64_t rem = i, ai = 0, bi = 0, am = 1, bm = 1;
      for (int d = static_cast<int>(r) - 1; d >= 0; --d) {
        const int64_t idx = rem % o[d];
        rem /= o[d];
        ai += (pa[d] == 1 ? 0 : idx) * am;
        bi += (pb[d] == 1 ? 0 : idx) * bm;
        am *= pa[d];
        bm *= pb[d];
      }
      const double exact = ((av[ai] - za) * double{sa} + (bv[bi] - zb) * double{sb}) / sc + zc;
      const double expect = std::min(255.0, std::max(0.0, std::nearbyint(exact)));
      ASSERT_LE(std::abs(c.data<uint8_t>()[i] - expect), 1.0) << "element " << i << " of " << shape_string(o);
    }
  }
}

TEST(QLinearMul, MatchesFloatFormula) {
  std::mt19937 rng(5);
  auto av = random_ints<int8_t>(37, -128, 127, rng), bv = random_ints<int8_t>(37, -128, 127, rng);
  const float sa = 0.02f, sb = 0.03f, sc = 0.01f;
  std::vector<Tensor> in{make<int8_t>({37}, av), scalar<float>(sa), scalar<int8_t>(3), make<int8_t>({37}, bv),
                         scalar<float>(sb), scalar<int8_t>(-4), scalar<float>(sc), scalar<int8_t>(5)};
  auto out = run_op(kMs, "QLinearMul", in);
  ASSERT_TRUE(out.is_ok()) << out.status().to_string();
  const float ratio = sa * sb / sc;
  for (int i = 0; i < 37; ++i) {
    const float v = static_cast<float>((av[i] - 3) * (bv[i] - (-4))) * ratio + 5.0f;
    const int32_t expect = static_cast<int32_t>(std::min(127.0f, std::max(-128.0f, std::nearbyint(v))));
    ASSERT_EQ((*out)[0].data<int8_t>()[i], expect) << i;
  }
  auto bad = in;
  bad[3] = make<uint8_t>({37}, std::vector<uint8_t>(37, 1));
  ASSERT_FALSE(run_op(kMs, "QLinearMul", bad).is_ok());
}

TEST(QLinearGlobalAveragePool, NchwAndChannelsLast) {
  // 2 channels of 2x2: sums 10 and 26 minus zp*4
  Tensor x = make<uint8_t>({1, 2, 2, 2}, {1, 2, 3, 4, 5, 6, 7, 8});
  std::vector<Tensor> in{x, scalar<float>(0.5f), scalar<uint8_t>(1), scalar<float>(0.25f), scalar<uint8_t>(10)};
  auto out = run_op(kMs, "QLinearGlobalAveragePool", in);
  ASSERT_TRUE(out.is_ok()) << out.status().to_string();
  EXPECT_EQ((*out)[0].shape(), (Shape{1, 2, 1, 1}));
  // mean(x - 1) * 0.5 / 0.25 + 10: (1.5 * 2) + 10 = 13, (5.5 * 2) + 10 = 21
  EXPECT_EQ(values<uint8_t>((*out)[0]), (std::vector<uint8_t>{13, 21}));
  Attributes cl;
  cl.set_int("channels_last", 1);
  in[0] = make<uint8_t>({1, 2, 2, 2}, {1, 5, 2, 6, 3, 7, 4, 8});
  auto nhwc = run_op(kMs, "QLinearGlobalAveragePool", in, cl);
  ASSERT_TRUE(nhwc.is_ok()) << nhwc.status().to_string();
  EXPECT_EQ((*nhwc)[0].shape(), (Shape{1, 1, 1, 2}));
  EXPECT_EQ(values<uint8_t>((*nhwc)[0]), (std::vector<uint8_t>{13, 21}));
}

TEST(QLinearAveragePool, WindowsPadsAndCountIncludePad) {
  // 1x1x3x3, kernel 2, stride 1, pads 1 at the end
  Tensor x = make<uint8_t>({1, 1, 3, 3}, {10, 20, 30, 40, 50, 60, 70, 80, 90});
  Attributes a;
  a.set_ints("kernel_shape", {2, 2});
  a.set_ints("pads", {0, 0, 1, 1});
  std::vector<Tensor> in{x, scalar<float>(1.0f), scalar<uint8_t>(0), scalar<float>(2.0f), scalar<uint8_t>(0)};
  auto out = run_op(kMs, "QLinearAveragePool", in, a);
  ASSERT_TRUE(out.is_ok()) << out.status().to_string();
  EXPECT_EQ((*out)[0].shape(), (Shape{1, 1, 3, 3}));
  // averages: 30 40 45 / 60 70 75 / 75 85 90 ; /2 -> 15 20 22(22.5) / 30 35 38(37.5) / 38(37.5) 42(42.5) 45
  EXPECT_EQ(values<uint8_t>((*out)[0]), (std::vector<uint8_t>{15, 20, 22, 30, 35, 38, 38, 42, 45}));
  a.set_int("count_include_pad", 1);
  auto cip = run_op(kMs, "QLinearAveragePool", in, a);
  ASSERT_TRUE(cip.is_ok());
  // right column / bottom row divide by 4: (30+60)/4=22.5/2=11.25->11 ...
  EXPECT_EQ(values<uint8_t>((*cip)[0])[2], 11);
  EXPECT_EQ(values<uint8_t>((*cip)[0])[8], 11);  // 90/4 = 22.5 / 2 = 11.25
  Attributes nokernel;
  ASSERT_FALSE(run_op(kMs, "QLinearAveragePool", in, nokernel).is_ok());
}

TEST(QLinearConcat, RequantisesEachInput) {
  Attributes a;
  a.set_int("axis", 1);
  Tensor x0 = make<uint8_t>({1, 2}, {10, 20});
  Tensor x1 = make<uint8_t>({1, 1}, {7});
  // y scale 0.5 zp 0; x0 same params (copied), x1 scale 1 zp 5: (7-5)*1/0.5 = 4
  auto out = run_op(kMs, "QLinearConcat",
                    {scalar<float>(0.5f), scalar<uint8_t>(0), x0, scalar<float>(0.5f), scalar<uint8_t>(0), x1,
                     scalar<float>(1.0f), scalar<uint8_t>(5)},
                    a);
  ASSERT_TRUE(out.is_ok()) << out.status().to_string();
  EXPECT_EQ((*out)[0].shape(), (Shape{1, 3}));
  EXPECT_EQ(values<uint8_t>((*out)[0]), (std::vector<uint8_t>{10, 20, 4}));
  auto bad = run_op(kMs, "QLinearConcat",
                    {scalar<float>(0.5f), scalar<uint8_t>(0), x0, scalar<float>(0.5f), scalar<uint8_t>(0),
                     make<uint8_t>({2, 1}, {1, 2}), scalar<float>(1.0f), scalar<uint8_t>(5)},
                    a);
  ASSERT_FALSE(bad.is_ok());
}

TEST(QLinearSigmoidAndLeakyRelu, LookupTables) {
  Tensor x = make<int8_t>({3}, {-100, 0, 100});
  std::vector<Tensor> in{x, scalar<float>(0.05f), scalar<int8_t>(0), scalar<float>(1.0f / 256), scalar<int8_t>(-128)};
  auto sig = run_op(kMs, "QLinearSigmoid", in);
  ASSERT_TRUE(sig.is_ok()) << sig.status().to_string();
  for (int i = 0; i < 3; ++i) {
    const double v = 1.0 / (1.0 + std::exp(-0.05 * x.data<int8_t>()[i]));
    const double expect = std::min(127.0, std::nearbyint(v * 256) - 128);
    EXPECT_NEAR((*sig)[0].data<int8_t>()[i], expect, 1.0) << i;
  }
  Attributes a;
  a.set_float("alpha", 0.1f);
  std::vector<Tensor> lin{make<uint8_t>({3}, {0, 100, 200}), scalar<float>(1.0f), scalar<uint8_t>(100), scalar<float>(1.0f),
                          scalar<uint8_t>(100)};
  auto lr = run_op(kMs, "QLinearLeakyRelu", lin, a);
  ASSERT_TRUE(lr.is_ok()) << lr.status().to_string();
  EXPECT_EQ(values<uint8_t>((*lr)[0]), (std::vector<uint8_t>{90, 100, 200}));
}

}  // namespace
}  // namespace coreinfer::quant_test
