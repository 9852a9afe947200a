// fuse_matmul_transposes (declared in passes.h): a Transpose feeding MatMul becomes a permuted
// view of its input, read by MatMul through strides, so the transposed copy is never written
// (for perms that keep the last axis: attention's [B,S,H,D] -> [B,H,S,D] head split; and for B,
// a swap of the last two axes: DLRM's X · X^T, which MatMul transposes per item in L1).
#include <algorithm>
#include <numeric>
#include <unordered_map>

#include "graph/passes.h"

namespace coreinfer {
namespace {

bool swaps_last_two(const std::vector<int64_t>& perm) {
  const size_t r = perm.size();
  for (size_t d = 0; d + 2 < r; ++d)
    if (perm[d] != static_cast<int64_t>(d)) return false;
  return perm[r - 2] == static_cast<int64_t>(r - 1) && perm[r - 1] == static_cast<int64_t>(r - 2);
}

}  // namespace

void fuse_matmul_transposes(Graph& graph) {
  std::unordered_map<std::string, const Node*> transpose_of;  // output value -> its Transpose
  for (const Node& n : graph.nodes)
    if (n.domain.empty() && n.op_type == "Transpose" && n.inputs.size() == 1 && n.outputs.size() == 1 &&
        n.attrs.has("perm") && n.attrs.get_ints("perm").size() >= 2)
      transpose_of[n.outputs[0]] = &n;
  for (Node& mm : graph.nodes) {
    if (!mm.domain.empty() || mm.op_type != "MatMul" || mm.inputs.size() != 2) continue;
    for (int j = 0; j < 2; ++j) {
      const char* attr = j == 0 ? "perm_a" : "perm_b";
      auto it = transpose_of.find(mm.inputs[j]);
      if (it == transpose_of.end() || mm.attrs.has(attr)) continue;
      std::vector<int64_t> perm = it->second->attrs.get_ints("perm");
      std::vector<int64_t> sorted = perm;
      std::sort(sorted.begin(), sorted.end());
      std::vector<int64_t> iota(perm.size());
      std::iota(iota.begin(), iota.end(), 0);
      if (sorted != iota) continue;  // not a permutation: leave the Transpose to report it
      // Perms that keep the last axis in place: MatMul then packs contiguous rows. Moving the last
      // axis would make the packing gather single floats, slower than a tiled Transpose, except
      // B's swap of its last two axes, which MatMul transposes item by item in vector tiles.
      if (perm.back() != static_cast<int64_t>(perm.size()) - 1 && !(j == 1 && swaps_last_two(perm))) continue;
      mm.inputs[j] = it->second->inputs[0];
      mm.attrs.set_ints(attr, std::move(perm));
    }
  }
}

}  // namespace coreinfer
