#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <random>

#include "core/cpu_features.h"
#include "graph/ops/embedding_bag.h"
#include "graph/ops/register.h"
#include "graph/passes.h"
#include "graph/session.h"

namespace coreinfer {
namespace {

ValueInfo ids_value(Shape shape, ElemType type) {
  ValueInfo v;
  v.name = "ids";
  v.type = type;
  v.shape = std::move(shape);
  v.has_shape = true;
  return v;
}

// y = Reduce{Sum,Mean}(Gather(table, ids), axes=[-2 or 1]) with ids [B, K], table [V, D].
Graph bag_graph(const std::string& reduce, int64_t keepdims, ElemType id_type, int64_t rows, int64_t width) {
  Graph g;
  g.opsets[""] = 18;
  g.inputs.push_back(ids_value({-1, -1}, id_type));
  ValueInfo y;
  y.name = "y";
  g.outputs.push_back(y);
  std::mt19937 rng(3);
  std::uniform_real_distribution<float> u(-1, 1);
  std::vector<float> table(static_cast<size_t>(rows * width));
  for (float& v : table) v = u(rng);
  g.initializers["table"] = Tensor::from_vector<float>({rows, width}, table);
  g.initializers["axes"] = Tensor::from_vector<int64_t>({1}, {-2});
  Node gather;
  gather.name = "gather";
  gather.op_type = "Gather";
  gather.inputs = {"table", "ids"};
  gather.outputs = {"rows"};
  Node r;
  r.name = "reduce";
  r.op_type = reduce;
  r.inputs = {"rows", "axes"};
  r.outputs = {"y"};
  r.attrs.set_int("keepdims", keepdims);
  g.nodes = {gather, r};
  return g;
}

SessionOptions two_threads() {
  SessionOptions o;
  o.threads = 2;
  return o;
}

SessionOptions unoptimized() {
  SessionOptions o;
  o.threads = 1;
  o.optimize = false;
  return o;
}

template <typename Id>
Tensor random_ids(int64_t bags, int64_t k, int64_t rows, uint32_t seed) {
  std::mt19937 rng(seed);
  std::vector<Id> ids(static_cast<size_t>(bags * k));
  for (Id& v : ids) v = static_cast<Id>(static_cast<int64_t>(rng() % (2 * rows)) - rows);  // negatives wrap
  return Tensor::from_vector<Id>({bags, k}, ids);
}

TEST(EmbeddingBag, FusedEqualsGatherThenReduce) {
  const OpRegistry reg = default_op_registry();
  for (const char* reduce : {"ReduceSum", "ReduceMean"})
    for (int64_t keepdims : {0, 1})
      for (ElemType id_type : {ElemType::kInt64, ElemType::kInt32}) {
        SCOPED_TRACE(std::string(reduce) + " keepdims " + std::to_string(keepdims));
        const int64_t rows = 97, width = 37, bags = 33, k = 7;
        auto fused = Session::create(bag_graph(reduce, keepdims, id_type, rows, width), reg, two_threads());
        ASSERT_TRUE(fused.is_ok()) << fused.status().to_string();
        ASSERT_EQ((*fused)->graph().nodes.size(), 1u);
        EXPECT_EQ((*fused)->graph().nodes[0].op_type, "EmbeddingBag");
        auto plain = Session::create(bag_graph(reduce, keepdims, id_type, rows, width), reg,
                                     unoptimized());
        ASSERT_TRUE(plain.is_ok()) << plain.status().to_string();
        const Tensor ids = id_type == ElemType::kInt64 ? random_ids<int64_t>(bags, k, rows, 9)
                                                       : random_ids<int32_t>(bags, k, rows, 9);
        auto a = (*fused)->run({{"ids", ids}});
        auto b = (*plain)->run({{"ids", ids}});
        ASSERT_TRUE(a.is_ok()) << a.status().to_string();
        ASSERT_TRUE(b.is_ok()) << b.status().to_string();
        ASSERT_EQ((*a)[0].shape(), (*b)[0].shape());
        EXPECT_EQ((*a)[0].shape(), keepdims ? (Shape{bags, 1, width}) : (Shape{bags, width}));
        for (int64_t i = 0; i < (*a)[0].numel(); ++i)  // k = 7 terms of |v| <= 1: fp32 rounding only
          ASSERT_NEAR((*a)[0].data<float>()[i], (*b)[0].data<float>()[i], 1e-5f) << i;
      }
}

TEST(EmbeddingBag, ManyBagsOnTwoThreadsEqualGatherThenReduce) {
  const OpRegistry reg = default_op_registry();
  const int64_t rows = 5000, width = 64, bags = 700, k = 20;  // several chunks per thread
  auto fused = Session::create(bag_graph("ReduceMean", 0, ElemType::kInt64, rows, width), reg, two_threads());
  auto plain = Session::create(bag_graph("ReduceMean", 0, ElemType::kInt64, rows, width), reg,
                               unoptimized());
  ASSERT_TRUE(fused.is_ok() && plain.is_ok());
  ASSERT_EQ((*fused)->graph().nodes[0].op_type, "EmbeddingBag");
  const Tensor ids = random_ids<int64_t>(bags, k, rows, 5);
  auto a = (*fused)->run({{"ids", ids}});
  auto b = (*plain)->run({{"ids", ids}});
  ASSERT_TRUE(a.is_ok()) << a.status().to_string();
  ASSERT_TRUE(b.is_ok()) << b.status().to_string();
  ASSERT_EQ((*a)[0].shape(), (Shape{bags, width}));
  for (int64_t i = 0; i < (*a)[0].numel(); ++i)  // 20 terms of |v| <= 1, then / 20: fp32 rounding only
    ASSERT_NEAR((*a)[0].data<float>()[i], (*b)[0].data<float>()[i], 1e-5f) << i;
}

TEST(EmbeddingBag, EmptyBagsSumToZero) {
  const OpRegistry reg = default_op_registry();
  auto s = Session::create(bag_graph("ReduceSum", 0, ElemType::kInt32, 10, 5), reg);
  ASSERT_TRUE(s.is_ok());
  ASSERT_EQ((*s)->graph().nodes[0].op_type, "EmbeddingBag");
  auto r = (*s)->run({{"ids", Tensor::from_vector<int32_t>({3, 0}, {})}});
  ASSERT_TRUE(r.is_ok()) << r.status().to_string();
  ASSERT_EQ((*r)[0].shape(), (Shape{3, 5}));
  for (int64_t i = 0; i < 15; ++i) EXPECT_EQ((*r)[0].data<float>()[i], 0.0f) << i;
}

TEST(EmbeddingBag, FirstOutOfRangeIdIsReportedFromEitherThread) {
  const OpRegistry reg = default_op_registry();
  const int64_t rows = 100, bags = 1000, k = 8;
  auto s = Session::create(bag_graph("ReduceSum", 0, ElemType::kInt64, rows, 16), reg, two_threads());
  ASSERT_TRUE(s.is_ok());
  std::vector<int64_t> ids(static_cast<size_t>(bags * k), 1);
  ids[7000] = std::numeric_limits<int64_t>::min();  // second thread's half: -rows - 1 would overflow-wrap if added
  ids[3001] = -101;
  auto r = (*s)->run({{"ids", Tensor::from_vector<int64_t>({bags, k}, ids)}});
  ASSERT_FALSE(r.is_ok());
  EXPECT_NE(r.status().message().find("id -101 at position 3001"), std::string::npos) << r.status().message();
  ids[3001] = 1;
  r = (*s)->run({{"ids", Tensor::from_vector<int64_t>({bags, k}, ids)}});
  ASSERT_FALSE(r.is_ok());
  EXPECT_NE(r.status().message().find("at position 7000"), std::string::npos) << r.status().message();
}

// The sums in the order the kernels add them: exact equality is expected.
std::vector<float> reference_sums(const EmbeddingBagSums& s, int64_t bags) {
  std::vector<float> y(static_cast<size_t>(bags * s.width));
  for (int64_t b = 0; b < bags; ++b)
    for (int64_t d = 0; d < s.width; ++d) {
      float acc = 0.0f;
      for (int64_t k = 0; k < s.bag; ++k) {
        int64_t id = s.ids_int64 ? static_cast<const int64_t*>(s.ids)[b * s.bag + k]
                                 : static_cast<const int32_t*>(s.ids)[b * s.bag + k];
        if (id < 0) id += s.rows;
        acc += s.table[id * s.width + d];
      }
      y[static_cast<size_t>(b * s.width + d)] = acc * s.scale;
    }
  return y;
}

TEST(EmbeddingBag, SumVariantsEqualTheReferenceOnRandomShapes) {
  std::vector<std::pair<const char*, EmbeddingBagSumsFn>> variants = {{"generic", embedding_bag_sums_generic}};
#if defined(__x86_64__)
  const CpuFeatures& f = cpu_features();
  if (f.avx512f && f.avx512bw && f.avx512vl && f.avx512dq && f.os_zmm)
    variants.push_back({"avx512", embedding_bag_sums_avx512});
  else
    ADD_FAILURE() << "no AVX-512 here: only the generic sums are checked";  // the CI machines have it
#endif
  std::mt19937 rng(11);
  std::uniform_real_distribution<float> u(-1, 1);
  for (int64_t width : {0, 1, 3, 15, 16, 17, 37, 63, 64, 65, 100, 128, 130, 257})
    for (int64_t bag : {0, 1, 2, 7, 33})
      for (bool i64 : {true, false}) {
        const int64_t rows = 1 + static_cast<int64_t>(rng() % 300), bags = 1 + static_cast<int64_t>(rng() % 40);
        std::vector<float> table(static_cast<size_t>(rows * width));
        for (float& v : table) v = u(rng);
        std::vector<int64_t> ids64(static_cast<size_t>(bags * bag));
        for (int64_t& v : ids64) v = static_cast<int64_t>(rng() % (2 * rows)) - rows;
        std::vector<int32_t> ids32(ids64.begin(), ids64.end());
        EmbeddingBagSums s;
        s.table = table.data();
        s.rows = rows;
        s.width = width;
        s.ids = i64 ? static_cast<const void*>(ids64.data()) : static_cast<const void*>(ids32.data());
        s.ids_int64 = i64;
        s.bag = bag;
        s.scale = bag % 2 == 1 ? 1.0f / static_cast<float>(bag) : 1.0f;
        const std::vector<float> want = reference_sums(s, bags);
        for (const auto& [name, fn] : variants) {
          SCOPED_TRACE(std::string(name) + " width " + std::to_string(width) + " bag " + std::to_string(bag) +
                       (i64 ? " int64" : " int32"));
          std::vector<float> got(want.size() + 1, 7.0f);  // one guard element past the end
          s.out = got.data();
          ASSERT_EQ(fn(s, 0, bags / 3), -1);  // two uneven ranges, as the threads get them
          ASSERT_EQ(fn(s, bags / 3, bags), -1);
          for (size_t i = 0; i < want.size(); ++i) ASSERT_EQ(got[i], want[i]) << i;
          EXPECT_EQ(got.back(), 7.0f);
          if (bag > 0) {  // an id just out of range in the last bag is found before its row is read
            const auto pos = static_cast<size_t>((bags - 1) * bag + bag / 2);
            const int64_t kept = ids64[pos];
            ids64[pos] = rows;
            ids32[pos] = static_cast<int32_t>(-rows - 1);
            EXPECT_EQ(fn(s, 0, bags), static_cast<int64_t>(pos));
            ids64[pos] = kept;
            ids32[pos] = static_cast<int32_t>(kept);
          }
        }
      }
}

TEST(EmbeddingBag, OutOfRangeIdIsAnError) {
  const OpRegistry reg = default_op_registry();
  auto s = Session::create(bag_graph("ReduceSum", 0, ElemType::kInt64, 10, 4), reg);
  ASSERT_TRUE(s.is_ok());
  auto r = (*s)->run({{"ids", Tensor::from_vector<int64_t>({1, 2}, {3, 10})}});
  ASSERT_FALSE(r.is_ok());
  EXPECT_NE(r.status().message().find("id 10"), std::string::npos) << r.status().message();
}

TEST(EmbeddingBag, NotFusedWhenTheGatheredRowsAreReadElsewhereOrTheAxisDiffers) {
  Graph g = bag_graph("ReduceSum", 0, ElemType::kInt64, 10, 4);
  ValueInfo extra;
  extra.name = "rows";
  g.outputs.push_back(extra);
  fuse_embedding_bags(g);
  EXPECT_EQ(g.nodes.size(), 2u);
  Graph h = bag_graph("ReduceSum", 0, ElemType::kInt64, 10, 4);
  h.initializers["axes"] = Tensor::from_vector<int64_t>({1}, {-1});  // sums over the row, not the bag
  fuse_embedding_bags(h);
  EXPECT_EQ(h.nodes.size(), 2u);
}

}  // namespace
}  // namespace coreinfer
