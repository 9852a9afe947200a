// The fast paths of Transpose, Concat, Split and Gather (SSE tiles, parallel byte ranges,
// prefetching row copies, constant indices) against naive references on random shapes: ranks
// 1..5, odd and empty dims, 1/2/4/8-byte elements, sizes on both sides of the threading threshold.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <numeric>
#include <random>

#include "graph/ops/tensor/tile_transpose.h"
#include "op_runner.h"

namespace coreinfer::test {
namespace {

const ElemType kTypes[] = {ElemType::kInt8, ElemType::kFloat16, ElemType::kFloat, ElemType::kInt64};

Tensor random_tensor(std::mt19937& rng, ElemType type, const Shape& shape) {
  Tensor t = Tensor::allocate(type, shape).value();
  auto* p = static_cast<uint8_t*>(t.raw());
  for (size_t i = 0; i < t.bytes(); ++i) p[i] = static_cast<uint8_t>(rng());
  return t;
}

std::vector<int64_t> strides_of(const Shape& s) {
  std::vector<int64_t> st(s.size(), 1);
  for (int d = static_cast<int>(s.size()) - 2; d >= 0; --d) st[d] = st[d + 1] * s[d + 1];
  return st;
}

// Calls fn(flat index, multi-index) for every element of `shape` in row-major order.
template <typename Fn>
void for_each_index(const Shape& shape, Fn&& fn) {
  const int64_t n = std::accumulate(shape.begin(), shape.end(), int64_t{1}, std::multiplies<>());
  std::vector<int64_t> idx(shape.size(), 0);
  for (int64_t i = 0; i < n; ++i) {
    fn(i, idx);
    for (int d = static_cast<int>(shape.size()) - 1; d >= 0; --d) {
      if (++idx[d] < shape[d]) break;
      idx[d] = 0;
    }
  }
}

std::vector<uint8_t> bytes_of(const Tensor& t) {
  const auto* p = static_cast<const uint8_t*>(t.raw());
  return p == nullptr ? std::vector<uint8_t>{} : std::vector<uint8_t>(p, p + t.bytes());
}

Shape random_shape(std::mt19937& rng, int rank, int64_t max_dim) {
  Shape s(rank);
  for (int64_t& d : s) d = 1 + static_cast<int64_t>(rng() % max_dim);
  return s;
}

TEST(TransposeTile, VectorMatchesScalarOnRaggedTiles) {
  std::mt19937 rng(7);
  for (size_t es : {size_t{1}, size_t{2}, size_t{4}, size_t{8}}) {
    for (int trial = 0; trial < 40; ++trial) {
      const int64_t rows = rng() % 19, cols = rng() % 19;
      const int64_t src_col = rows + rng() % 5, dst_row = cols + rng() % 5;
      std::vector<std::byte> src(static_cast<size_t>((src_col * std::max<int64_t>(cols, 1) + 1) * es));
      for (auto& b : src) b = static_cast<std::byte>(rng());
      std::vector<std::byte> a(static_cast<size_t>((dst_row * std::max<int64_t>(rows, 1) + 1) * es), std::byte{0x5a});
      std::vector<std::byte> b = a;
      tensor_ops::transpose_tile(es, src.data(), src_col, a.data(), dst_row, rows, cols);
      tensor_ops::transpose_tile_scalar(es, src.data(), src_col, b.data(), dst_row, rows, cols);
      ASSERT_EQ(a, b) << "es " << es << " rows " << rows << " cols " << cols;
      if (rows > 0 && cols > 0) {  // the scalar reference itself: one element checked by hand
        ASSERT_EQ(std::memcmp(b.data() + ((rows - 1) * dst_row + cols - 1) * es,
                              src.data() + ((rows - 1) + (cols - 1) * src_col) * es, es),
                  0);
      }
    }
  }
}

std::vector<uint8_t> transpose_ref(const Tensor& x, const std::vector<int64_t>& perm) {
  const size_t es = elem_size(x.type());
  const std::vector<int64_t> in_st = strides_of(x.shape());
  Shape os(perm.size());
  for (size_t d = 0; d < perm.size(); ++d) os[d] = x.shape()[perm[d]];
  std::vector<uint8_t> out(static_cast<size_t>(x.numel()) * es);
  const auto* src = static_cast<const uint8_t*>(x.raw());
  for_each_index(os, [&](int64_t i, const std::vector<int64_t>& idx) {
    int64_t off = 0;
    for (size_t d = 0; d < perm.size(); ++d) off += idx[d] * in_st[perm[d]];
    std::memcpy(out.data() + i * es, src + off * es, es);
  });
  return out;
}

TEST(LayoutSpeedPaths, TransposeRandomPermsMatchReference) {
  std::mt19937 rng(11);
  for (int trial = 0; trial < 160; ++trial) {
    const int rank = 1 + trial % 5;
    const bool big = trial % 4 == 0;  // over the threading threshold
    Shape shape = random_shape(rng, rank, big ? (rank <= 3 ? 80 : 14) : 9);
    if (big && rank == 1) shape[0] = 70000;
    if (big && rank == 2) shape = {300 + static_cast<int64_t>(rng() % 37), 200 + static_cast<int64_t>(rng() % 37)};
    if (trial % 23 == 5) shape[rng() % rank] = 0;  // empty
    const ElemType type = kTypes[trial % 4];
    Tensor x = random_tensor(rng, type, shape);
    std::vector<int64_t> perm(rank);
    std::iota(perm.begin(), perm.end(), 0);
    std::shuffle(perm.begin(), perm.end(), rng);
    OpCall c{"Transpose"};
    c.attrs.set_ints("perm", perm);
    c.inputs = {x};
    c.threaded = trial % 2 == 0;
    Tensor y = run_ok(c);
    ASSERT_EQ(y.numel(), x.numel());
    ASSERT_EQ(bytes_of(y), transpose_ref(x, perm)) << "shape " << shape_string(shape) << " perm "
                                                   << shape_string(perm) << " " << elem_type_name(type);
  }
}

TEST(LayoutSpeedPaths, TransposeDlrmShapeFloat) {
  std::mt19937 rng(3);
  Tensor x = random_tensor(rng, ElemType::kFloat, {64, 27, 64});
  OpCall c{"Transpose"};
  c.attrs.set_ints("perm", {0, 2, 1});
  c.inputs = {x};
  c.threaded = true;
  EXPECT_EQ(bytes_of(run_ok(c)), transpose_ref(x, {0, 2, 1}));
}

TEST(LayoutSpeedPaths, ConcatAndSplitRandomMatchReference) {
  std::mt19937 rng(5);
  for (int trial = 0; trial < 120; ++trial) {
    const int rank = 1 + trial % 5;
    const bool big = trial % 5 == 0;
    const Shape base = random_shape(rng, rank, big ? 30 : 7);
    const int axis = static_cast<int>(rng() % rank);
    const ElemType type = kTypes[trial % 4];
    const size_t es = elem_size(type);
    const int n_in = 1 + static_cast<int>(rng() % 5);
    std::vector<Tensor> ins;
    std::vector<int64_t> sizes;
    for (int i = 0; i < n_in; ++i) {
      Shape s = base;
      s[axis] = trial % 7 == 3 && i == 0 ? 0 : 1 + static_cast<int64_t>(rng() % (big ? 200 : 6));
      sizes.push_back(s[axis]);
      ins.push_back(random_tensor(rng, type, s));
    }
    OpCall c{"Concat"};
    c.attrs.set_int("axis", axis - (trial % 3 == 0 ? rank : 0));  // negative axes too
    c.inputs = ins;
    c.threaded = trial % 2 == 0;
    Tensor y = run_ok(c);
    // Reference: walk the output; find the input owning each position along the axis.
    Shape os = base;
    os[axis] = std::accumulate(sizes.begin(), sizes.end(), int64_t{0});
    ASSERT_EQ(y.shape(), os);
    std::vector<uint8_t> want(static_cast<size_t>(y.numel()) * es);
    for_each_index(os, [&](int64_t i, const std::vector<int64_t>& idx) {
      int64_t k = idx[axis];
      int p = 0;
      while (k >= sizes[p]) k -= sizes[p++];
      std::vector<int64_t> in_idx = idx;
      in_idx[axis] = k;
      const std::vector<int64_t> st = strides_of(ins[p].shape());
      int64_t off = 0;
      for (int d = 0; d < rank; ++d) off += in_idx[d] * st[d];
      std::memcpy(want.data() + i * es, static_cast<const uint8_t*>(ins[p].raw()) + off * es, es);
    });
    ASSERT_EQ(bytes_of(y), want) << "trial " << trial << " shape " << shape_string(os) << " axis " << axis;

    // Split of the result by the same sizes gives the inputs back.
    OpCall sc{"Split"};
    sc.attrs.set_int("axis", axis);
    sc.inputs = {y, i64v(sizes)};
    sc.outputs = sizes.size();
    sc.threaded = c.threaded;
    auto parts = run_op(sc);
    ASSERT_TRUE(parts.is_ok()) << parts.status().to_string();
    ASSERT_EQ(parts->size(), ins.size());
    for (size_t i = 0; i < ins.size(); ++i) {
      ASSERT_EQ((*parts)[i].shape(), ins[i].shape());
      ASSERT_EQ(bytes_of((*parts)[i]), bytes_of(ins[i])) << "trial " << trial << " part " << i;
    }
  }
}

TEST(LayoutSpeedPaths, ConcatDlrmShapeThreaded) {
  std::mt19937 rng(9);
  std::vector<Tensor> ins;
  for (int i = 0; i < 27; ++i) ins.push_back(random_tensor(rng, ElemType::kFloat, {300, 64}));
  OpCall c{"Concat"};
  c.attrs.set_int("axis", 1);
  c.inputs = ins;
  c.threaded = true;
  Tensor y = run_ok(c);
  ASSERT_EQ(y.shape(), (Shape{300, 27 * 64}));
  for (int64_t r : {int64_t{0}, int64_t{151}, int64_t{299}})
    for (int i = 0; i < 27; ++i)
      ASSERT_EQ(std::memcmp(y.data<float>() + r * 27 * 64 + i * 64, ins[i].data<float>() + r * 64, 64 * 4), 0);
}

std::vector<uint8_t> gather_ref(const Tensor& x, const std::vector<int64_t>& ids, int axis) {
  const size_t es = elem_size(x.type());
  int64_t outer = 1, inner = 1;
  for (int d = 0; d < x.rank(); ++d) {
    if (d < axis) outer *= x.dim(d);
    if (d > axis) inner *= x.dim(d);
  }
  const int64_t dim = x.dim(axis);
  std::vector<uint8_t> out;
  const auto* src = static_cast<const uint8_t*>(x.raw());
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t id : ids) {
      const int64_t row = id < 0 ? id + dim : id;
      const uint8_t* p = src + ((o * dim + row) * inner) * es;
      out.insert(out.end(), p, p + inner * es);
    }
  return out;
}

TEST(LayoutSpeedPaths, GatherRandomAxesConstantAndRuntimeIndices) {
  std::mt19937 rng(13);
  for (int trial = 0; trial < 160; ++trial) {
    const int rank = 1 + trial % 4;
    const bool big = trial % 6 == 0;
    Shape shape = random_shape(rng, rank, 7);
    if (big) shape[0] = 3000;
    const int axis = static_cast<int>(rng() % rank);
    const ElemType type = kTypes[trial % 4];
    Tensor x = random_tensor(rng, type, shape);
    const int64_t dim = shape[axis];
    const int64_t n = trial % 11 == 4 ? 0 : 1 + static_cast<int64_t>(rng() % (big && axis == 0 ? 900 : 9));
    std::vector<int64_t> ids(n);
    for (int64_t& v : ids) v = static_cast<int64_t>(rng() % (2 * dim)) - dim;  // [-dim, dim)
    const bool scalar = n == 1 && trial % 3 == 0;
    const bool as_int32 = trial % 5 == 1;
    Tensor idx = as_int32 ? i32(scalar ? Shape{} : Shape{n}, std::vector<int32_t>(ids.begin(), ids.end()))
                          : i64(scalar ? Shape{} : Shape{n}, ids);
    OpCall c{"Gather"};
    c.attrs.set_int("axis", axis);
    c.inputs = {x, idx};
    c.inputs_constant = trial % 2 == 0;
    c.threaded = trial % 4 < 2;
    Tensor y = run_ok(c);
    Shape want_shape(shape.begin(), shape.begin() + axis);
    if (!scalar) want_shape.push_back(n);
    want_shape.insert(want_shape.end(), shape.begin() + axis + 1, shape.end());
    ASSERT_EQ(y.shape(), want_shape);
    ASSERT_EQ(bytes_of(y), gather_ref(x, ids, axis))
        << "trial " << trial << " shape " << shape_string(shape) << " axis " << axis << " " << elem_type_name(type);
  }
}

TEST(LayoutSpeedPaths, GatherOutOfRangeIsAnErrorForConstantAndRuntimeIndices) {
  for (bool constant : {false, true}) {
    for (int64_t bad : {int64_t{5}, int64_t{-6}, int64_t{1000}}) {
      OpCall c{"Gather"};
      c.attrs.set_int("axis", 1);
      c.inputs = {iota_f32({2, 5, 3}), i64v({0, bad, 4})};
      c.inputs_constant = constant;
      auto r = run_op(c);
      ASSERT_FALSE(r.is_ok()) << "index " << bad << (constant ? " (constant)" : "");
      EXPECT_NE(r.status().to_string().find("out of range"), std::string::npos) << r.status().to_string();
    }
    OpCall ok{"Gather"};  // the edges are in range
    ok.attrs.set_int("axis", 1);
    ok.inputs = {iota_f32({2, 5, 3}), i64v({-5, 4})};
    ok.inputs_constant = constant;
    Tensor y = run_ok(ok);
    EXPECT_EQ(values<float>(y), (std::vector<float>{0, 1, 2, 12, 13, 14, 15, 16, 17, 27, 28, 29}));
  }
}

TEST(LayoutSpeedPaths, GatherEmbeddingRowsThreaded) {
  std::mt19937 rng(17);
  Tensor table = random_tensor(rng, ElemType::kFloat, {5000, 64});
  std::vector<int64_t> ids(2048);
  for (int64_t& v : ids) v = static_cast<int64_t>(rng() % 5000);
  ids[7] = -1;
  OpCall c{"Gather"};
  c.inputs = {table, i64v(ids)};
  c.threaded = true;
  EXPECT_EQ(bytes_of(run_ok(c)), gather_ref(table, ids, 0));
}

TEST(LayoutSpeedPaths, GatherSingleElementsThreaded) {
  std::mt19937 rng(19);
  // 1-D (one outer row, split over its indices) and DLRM's axis-1 pair selection.
  Tensor flat = random_tensor(rng, ElemType::kInt32, {100000});
  std::vector<int64_t> ids(50001);
  for (int64_t& v : ids) v = static_cast<int64_t>(rng() % 200000) - 100000;
  Tensor pairs = random_tensor(rng, ElemType::kFloat, {300, 729});
  std::vector<int64_t> cols;
  for (int64_t i = 0; i < 27; ++i)
    for (int64_t j = 0; j < i; ++j) cols.push_back(i * 27 + j);
  for (bool constant : {false, true}) {
    OpCall c{"Gather"};
    c.inputs = {flat, i64v(ids)};
    c.threaded = true;
    c.inputs_constant = constant;
    EXPECT_EQ(bytes_of(run_ok(c)), gather_ref(flat, ids, 0));
    OpCall p{"Gather"};
    p.attrs.set_int("axis", 1);
    p.inputs = {pairs, i64v(cols)};
    p.threaded = true;
    p.inputs_constant = constant;
    EXPECT_EQ(bytes_of(run_ok(p)), gather_ref(pairs, cols, 1));
  }
}

}  // namespace
}  // namespace coreinfer::test
