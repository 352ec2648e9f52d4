#pragma once
// Numbering the points of a t-SNE map for memory locality.
//
// The attractive forces visit every stored p_ij once per iteration and read y_j at random: in
// the input order a point's neighbours lie anywhere in a map of tens of thousands of points,
// so nearly every read misses the cache (at 70,000 points the attraction was a third of an FFT
// iteration). After the first iterations neighbours in P are neighbours on the map, so points
// numbered along a Z-order (Morton) curve of the map have their neighbours at nearby numbers.
// The FFT method renumbers P this way from time to time as the map forms.
#include <cstdint>
#include <vector>

#include "aelab/analysis/affinities.h"

namespace aelab::analysis {

// The points of a 2-D map (n x 2, row-major) sorted along a Z-order curve of their bounding
// box: order[r] is the point numbered r.
std::vector<int32_t> z_order(const double* y, int64_t n);

// P in float with 32-bit columns, its points renumbered: order[r] is the point numbered r.
struct NumberedAffinities {
  std::vector<int32_t> order;
  std::vector<int64_t> row_start;
  std::vector<int32_t> column;  // numbers, not points
  std::vector<float> value;
};
// In the input order (order[r] = r).
NumberedAffinities numbered_affinities(const SparseAffinities& p);
// The same P with the points numbered by `order` (number -> point, as z_order returns).
void renumber(NumberedAffinities& p, const std::vector<int32_t>& order);

}  // namespace aelab::analysis
