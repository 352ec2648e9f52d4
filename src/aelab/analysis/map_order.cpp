#include "aelab/analysis/map_order.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "aelab/core/error.h"

namespace aelab::analysis {

namespace {

// The bits of v spread to the even positions of a 32-bit word.
uint32_t spread_bits(uint32_t v) {
  v &= 0xffff;
  v = (v | (v << 8)) & 0x00ff00ff;
  v = (v | (v << 4)) & 0x0f0f0f0f;
  v = (v | (v << 2)) & 0x33333333;
  v = (v | (v << 1)) & 0x55555555;
  return v;
}

}  // namespace

std::vector<int32_t> z_order(const double* y, int64_t n) {
  AELAB_CHECK(n < std::numeric_limits<int32_t>::max(), "t-SNE: ", n,
              " points is more than 32-bit numbers hold");
  double lo[2] = {std::numeric_limits<double>::max(), std::numeric_limits<double>::max()};
  double hi[2] = {std::numeric_limits<double>::lowest(), std::numeric_limits<double>::lowest()};
  for (int64_t i = 0; i < n; ++i) {
    for (int d = 0; d < 2; ++d) {
      lo[d] = std::min(lo[d], y[2 * i + d]);
      hi[d] = std::max(hi[d], y[2 * i + d]);
    }
  }
  std::vector<std::pair<uint32_t, int32_t>> keyed(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) {
    uint32_t cell[2];
    for (int d = 0; d < 2; ++d) {
      const double span = hi[d] - lo[d];
      const double u = span > 0 ? (y[2 * i + d] - lo[d]) / span : 0.0;
      cell[d] = static_cast<uint32_t>(std::clamp(u, 0.0, 1.0) * 65535.0);
    }
    keyed[static_cast<size_t>(i)] = {spread_bits(cell[0]) | (spread_bits(cell[1]) << 1),
                                     static_cast<int32_t>(i)};
  }
  std::sort(keyed.begin(), keyed.end());
  std::vector<int32_t> order(static_cast<size_t>(n));
  for (size_t r = 0; r < keyed.size(); ++r) order[r] = keyed[r].second;
  return order;
}

NumberedAffinities numbered_affinities(const SparseAffinities& p) {
  AELAB_CHECK(p.points < std::numeric_limits<int32_t>::max(), "t-SNE: ", p.points,
              " points is more than 32-bit numbers hold");
  NumberedAffinities out;
  out.order.resize(static_cast<size_t>(p.points));
  std::iota(out.order.begin(), out.order.end(), 0);
  out.row_start = p.row_start;
  out.column.assign(p.column.begin(), p.column.end());
  out.value.assign(p.value.begin(), p.value.end());
  return out;
}

void renumber(NumberedAffinities& p, const std::vector<int32_t>& order) {
  const size_t n = p.order.size();
  AELAB_CHECK(order.size() == n, "t-SNE: an order of ", order.size(), " points for ", n);
  // Current number -> new number, through the point both stand for.
  std::vector<int32_t> new_number_of_point(n), new_number(n), current_number_of_point(n);
  for (size_t r = 0; r < n; ++r) {
    new_number_of_point[static_cast<size_t>(order[r])] = static_cast<int32_t>(r);
    current_number_of_point[static_cast<size_t>(p.order[r])] = static_cast<int32_t>(r);
  }
  for (size_t c = 0; c < n; ++c) {
    new_number[c] = new_number_of_point[static_cast<size_t>(p.order[c])];
  }
  NumberedAffinities out;
  out.row_start.reserve(n + 1);
  out.row_start.push_back(0);
  out.column.reserve(p.column.size());
  out.value.reserve(p.value.size());
  for (size_t r = 0; r < n; ++r) {
    const auto point = static_cast<size_t>(order[r]);
    const auto current = static_cast<size_t>(current_number_of_point[point]);
    for (int64_t k = p.row_start[current]; k < p.row_start[current + 1]; ++k) {
      out.column.push_back(new_number[static_cast<size_t>(p.column[static_cast<size_t>(k)])]);
      out.value.push_back(p.value[static_cast<size_t>(k)]);
    }
    out.row_start.push_back(static_cast<int64_t>(out.column.size()));
  }
  out.order = order;
  p = std::move(out);
}

}  // namespace aelab::analysis
