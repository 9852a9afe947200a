#include "graph/broadcast.h"

#include <algorithm>

namespace coreinfer {

Result<Shape> broadcast_shapes(std::span<const Shape> shapes) {
  size_t rank = 0;
  for (const Shape& s : shapes) rank = std::max(rank, s.size());
  Shape out(rank, 1);
  for (const Shape& s : shapes) {
    const size_t shift = rank - s.size();
    for (size_t i = 0; i < s.size(); ++i) {
      int64_t& o = out[shift + i];
      const int64_t d = s[i];
      if (d == o || d == 1) continue;
      if (o == 1) {
        o = d;
        continue;
      }
      std::string all;
      for (const Shape& t : shapes) all += (all.empty() ? "" : " and ") + shape_string(t);
      return invalid_argument("shapes " + all + " cannot be broadcast together");
    }
  }
  // A zero-sized dim wins over 1 (numpy rule) — handled above since 0 != 1 sets o = 0.
  return out;
}

std::vector<int64_t> broadcast_strides(const Shape& in, const Shape& out) {
  std::vector<int64_t> strides(out.size(), 0);
  const size_t shift = out.size() - in.size();
  int64_t s = 1;
  for (size_t i = in.size(); i-- > 0;) {
    strides[shift + i] = in[i] == 1 ? 0 : s;
    s *= in[i];
  }
  return strides;
}

}  // namespace coreinfer
