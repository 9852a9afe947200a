#include <gtest/gtest.h>

#include <cmath>
#include <random>

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
        auto fused = Session::create(bag_graph(reduce, keepdims, id_type, rows, width), reg, SessionOptions{.threads = 2});
        ASSERT_TRUE(fused.is_ok()) << fused.status().to_string();
        ASSERT_EQ((*fused)->graph().nodes.size(), 1u);
        EXPECT_EQ((*fused)->graph().nodes[0].op_type, "EmbeddingBag");
        auto plain = Session::create(bag_graph(reduce, keepdims, id_type, rows, width), reg,
                                     SessionOptions{.threads = 1, .optimize = false});
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
