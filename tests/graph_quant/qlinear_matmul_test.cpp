// QLinearMatMul / MatMulInteger against scalar references: 2-D, batched with broadcasting,
// 1-D operands, per-column scales and zero points, per-row A zero points, int8 and uint8.
#include "quant_test_util.h"

namespace coreinfer::quant_test {
namespace {

template <typename T>
Tensor typed(Shape s, const std::vector<int32_t>& v) {
  return make<T>(std::move(s), std::vector<T>(v.begin(), v.end()));
}
Tensor int8ish(bool is_signed, Shape s, const std::vector<int32_t>& v) {
  return is_signed ? typed<int8_t>(std::move(s), v) : typed<uint8_t>(std::move(s), v);
}

struct MMCase {
  Shape a, b;
  bool a_signed, b_signed, per_col;
};

void check_matmul(const MMCase& mc, uint32_t seed, bool qlinear, bool b_const) {
  SCOPED_TRACE("A " + shape_string(mc.a) + " B " + shape_string(mc.b) + " seed " + std::to_string(seed));
  std::mt19937 rng(seed);
  const int alo = mc.a_signed ? -128 : 0, ahi = mc.a_signed ? 127 : 255;
  const int blo = mc.b_signed ? -128 : 0, bhi = mc.b_signed ? 127 : 255;
  auto av = random_ints<int32_t>(shape_numel(mc.a), alo, ahi, rng);
  auto bv = random_ints<int32_t>(shape_numel(mc.b), blo, bhi, rng);
  Shape a = mc.a, b = mc.b;
  if (a.size() == 1) a.insert(a.begin(), 1);
  if (b.size() == 1) b.push_back(1);
  const int64_t m = a[a.size() - 2], k = a.back(), n = b.back();
  // batch broadcasting (numpy): right-aligned
  Shape ab(a.begin(), a.end() - 2), bb(b.begin(), b.end() - 2);
  const size_t br = std::max(ab.size(), bb.size());
  while (ab.size() < br) ab.insert(ab.begin(), 1);
  while (bb.size() < br) bb.insert(bb.begin(), 1);
  Shape ob(br);
  for (size_t d = 0; d < br; ++d) ob[d] = std::max(ab[d], bb[d]);
  const int64_t batches = shape_numel(ob);
  auto az = random_ints<int32_t>(1, alo, ahi, rng);
  auto bz = random_ints<int32_t>(mc.per_col ? n : 1, blo, bhi, rng);
  std::uniform_real_distribution<float> sd(0.001f, 0.03f);
  const float as = sd(rng), ys = sd(rng) * 30;
  std::vector<float> bs(mc.per_col ? n : 1);
  for (auto& s : bs) s = sd(rng);
  const int32_t yz = random_ints<int32_t>(1, alo, ahi, rng)[0];

  Tensor at = int8ish(mc.a_signed, mc.a, av), bt = int8ish(mc.b_signed, mc.b, bv);
  Tensor azt = int8ish(mc.a_signed, {}, az), bzt = int8ish(mc.b_signed, mc.per_col ? Shape{n} : Shape{}, bz);
  Result<std::vector<Tensor>> out = Status(StatusCode::kInternal, "unset");
  if (qlinear) {
    out = run_op("", "QLinearMatMul",
                 {at, scalar<float>(as), azt, bt, make<float>(mc.per_col ? Shape{n} : Shape{}, bs), bzt, scalar<float>(ys),
                  int8ish(mc.a_signed, {}, {yz})},
                 {}, 1, {false, true, true, b_const, true, true, true, true});
  } else {
    out = run_op("", "MatMulInteger", {at, bt, azt, bzt}, {}, 1, {false, b_const, true, true});
  }
  ASSERT_TRUE(out.is_ok()) << out.status().to_string();
  const Tensor& y = (*out)[0];
  Shape expect_shape = ob;
  if (mc.a.size() > 1) expect_shape.push_back(m);
  if (mc.b.size() > 1) expect_shape.push_back(n);
  ASSERT_EQ(y.shape(), expect_shape);
  for (int64_t bi = 0; bi < batches; ++bi) {
    int64_t ai_idx = 0, bi_idx = 0, rem = bi, amul = 1, bmul = 1;
    for (int d = static_cast<int>(br) - 1; d >= 0; --d) {
      const int64_t idx = rem % ob[d];
      rem /= ob[d];
      ai_idx += (ab[d] == 1 ? 0 : idx) * amul;
      bi_idx += (bb[d] == 1 ? 0 : idx) * bmul;
      amul *= ab[d];
      bmul *= bb[d];
    }
    for (int64_t i = 0; i < m; ++i)
      for (int64_t j = 0; j < n; ++j) {
        int64_t acc = 0;
        for (int64_t kk = 0; kk < k; ++kk)
          acc += int64_t{av[(ai_idx * m + i) * k + kk] - az[0]} * (bv[(bi_idx * k + kk) * n + j] - bz[mc.per_col ? j : 0]);
        const int64_t oi = (bi * m + i) * n + j;
        if (qlinear) {
          const int32_t expect = ref_requant(acc, as * bs[mc.per_col ? j : 0] / ys, yz, alo, ahi);
          const int32_t got = mc.a_signed ? y.data<int8_t>()[oi] : y.data<uint8_t>()[oi];
          ASSERT_EQ(got, expect) << "batch " << bi << " (" << i << "," << j << ")";
        } else {
          ASSERT_EQ(y.data<int32_t>()[oi], acc) << "batch " << bi << " (" << i << "," << j << ")";
        }
      }
  }
}

TEST(QLinearMatMul, TwoDimensionalPerTensorAndPerColumn) {
  check_matmul({{5, 7}, {7, 3}, false, true, false}, 1, true, true);
  check_matmul({{1, 1280}, {1280, 37}, false, true, true}, 2, true, true);
  check_matmul({{9, 20}, {20, 33}, true, true, true}, 3, true, false);
  check_matmul({{200, 17}, {17, 18}, false, false, false}, 4, true, true);
}

TEST(QLinearMatMul, BatchedBroadcastingAndVectors) {
  check_matmul({{2, 3, 4, 5}, {5, 6}, false, true, false}, 10, true, true);
  check_matmul({{3, 4, 5}, {3, 5, 2}, false, false, true}, 11, true, false);
  check_matmul({{1, 4, 5}, {2, 1, 5, 3}, true, true, false}, 12, true, false);
  check_matmul({{6}, {6, 4}, false, true, false}, 13, true, true);
  check_matmul({{3, 6}, {6}, false, true, false}, 14, true, false);
}

TEST(MatMulInteger, MatchesScalarReference) {
  check_matmul({{4, 3}, {3, 2}, false, false, false}, 20, false, true);
  check_matmul({{2, 5, 9}, {9, 19}, true, false, true}, 21, false, false);
  check_matmul({{7, 33}, {33, 16}, false, true, true}, 22, false, true);
}

TEST(MatMulInteger, PerRowAZeroPoint) {
  // A [3,2] uint8 with a_zero_point per row, B [2,2] int8.
  Tensor a = make<uint8_t>({3, 2}, {10, 20, 30, 40, 50, 60});
  Tensor b = make<int8_t>({2, 2}, {1, -2, 3, 4});
  Tensor az = make<uint8_t>({3}, {1, 2, 3});
  auto out = run_op("", "MatMulInteger", {a, b, az, scalar<int8_t>(1)});
  ASSERT_TRUE(out.is_ok()) << out.status().to_string();
  // rows minus zp: [9,19], [28,38], [47,57]; B minus 1: [[0,-3],[2,3]]
  EXPECT_EQ(values<int32_t>((*out)[0]), (std::vector<int32_t>{38, 30, 76, 30, 114, 30}));
}

TEST(QLinearMatMul, Errors) {
  Tensor a = make<uint8_t>({2, 3}, std::vector<uint8_t>(6, 1));
  Tensor b = make<int8_t>({3, 4}, std::vector<int8_t>(12, 1));
  std::vector<Tensor> in{a, scalar<float>(0.1f), scalar<uint8_t>(0), b, scalar<float>(0.1f), scalar<int8_t>(0),
                         scalar<float>(0.1f), scalar<uint8_t>(0)};
  {
    auto bad = in;
    bad[3] = make<int8_t>({4, 4}, std::vector<int8_t>(16, 1));
    auto r = run_op("", "QLinearMatMul", bad);
    ASSERT_FALSE(r.is_ok());
    EXPECT_NE(r.status().message().find("inner dimensions"), std::string::npos) << r.status().message();
  }
  {
    auto bad = in;
    bad[4] = make<float>({3}, {0.1f, 0.1f, 0.1f});
    auto r = run_op("", "QLinearMatMul", bad);
    ASSERT_FALSE(r.is_ok());
    EXPECT_NE(r.status().message().find("b_scale"), std::string::npos) << r.status().message();
  }
  {
    auto bad = in;
    bad[5] = scalar<uint8_t>(0);
    auto r = run_op("", "QLinearMatMul", bad);
    ASSERT_FALSE(r.is_ok());
    EXPECT_NE(r.status().message().find("b_zero_point"), std::string::npos) << r.status().message();
  }
  {
    auto bad = in;
    bad[0] = make<float>({2, 3}, std::vector<float>(6, 1));
    auto r = run_op("", "QLinearMatMul", bad);
    ASSERT_FALSE(r.is_ok());
  }
}

}  // namespace
}  // namespace coreinfer::quant_test
