// The parts of t-SNE for large maps: FFT-accelerated repulsion, approximate neighbours, placing
// new points into a fixed map (transform) and starting from given positions.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "aelab/analysis/approximate_knn.h"
#include "aelab/analysis/fft_repulsion.h"
#include "aelab/analysis/knn.h"
#include "aelab/analysis/quality.h"
#include "aelab/analysis/tsne.h"
#include "aelab/core/error.h"
#include "fixtures.h"

namespace aelab::analysis {
namespace {

// sum_j w_ij^2 (y_i - y_j) and Z = sum_{i != j} w_ij by direct summation.
double exact_repulsion(const Matrix& y, std::vector<double>& force) {
  force.assign(static_cast<size_t>(2 * y.rows), 0.0);
  double z = 0;
  for (int64_t i = 0; i < y.rows; ++i) {
    for (int64_t j = 0; j < y.rows; ++j) {
      if (j == i) continue;
      const double e0 = y.at(i, 0) - y.at(j, 0), e1 = y.at(i, 1) - y.at(j, 1);
      const double w = 1 / (1 + e0 * e0 + e1 * e1);
      z += w;
      force[static_cast<size_t>(2 * i)] += w * w * e0;
      force[static_cast<size_t>(2 * i + 1)] += w * w * e1;
    }
  }
  return z;
}

// Root-mean-square error of the force vectors relative to their root-mean-square size, and the
// relative error of Z.
std::pair<double, double> fft_errors(const Matrix& y, FftRepulsionOptions options, int threads) {
  std::vector<double> exact, fft(static_cast<size_t>(2 * y.rows));
  const double z_exact = exact_repulsion(y, exact);
  FftRepulsion repulsion(options, threads);
  const double z_fft = repulsion.repulsion(y.data.data(), y.rows, fft.data());
  double size = 0, error = 0;
  for (size_t k = 0; k < exact.size(); ++k) {
    size += exact[k] * exact[k];
    error += (fft[k] - exact[k]) * (fft[k] - exact[k]);
  }
  return {std::sqrt(error / size), std::abs(z_fft - z_exact) / z_exact};
}

TEST(FftRepulsion, MatchesTheExactForces) {
  if (!fft_repulsion_available()) GTEST_SKIP() << "built without FFTW3: no FFT method";
  // Compact maps (t-SNE's start at std 1e-4, and std 1) fit in the minimum 50 x 50 boxes: the
  // interpolation is then all but exact.
  for (const double scale : {1e-4, 1.0}) {
    Matrix y = testing::random_matrix(800, 2, 3);
    for (double& v : y.data) v *= scale;
    const auto [force_error, z_error] = fft_errors(y, {}, 2);
    EXPECT_LT(force_error, 1e-4) << "scale " << scale;
    EXPECT_LT(z_error, 1e-5) << "scale " << scale;
  }
  // A finished map (Barnes-Hut t-SNE of 2,000 points, extent ~90): with the default grid (3
  // nodes per box, one box per unit, FIt-SNE's defaults) the error is that of Barnes-Hut at
  // theta 0.5 (measured on this map: 2.5% of the forces, 0.7% of Z); a finer grid converges.
  const testing::Blobs blobs = testing::gaussian_blobs(5, 400, 20, 11);
  TsneOptions o;
  o.threads = 2;
  o.method = TsneMethod::kBarnesHut;
  const Matrix map = tsne(blobs.points, o).embedding;
  const auto [force_error, z_error] = fft_errors(map, {}, 2);
  EXPECT_LT(force_error, 0.04);
  EXPECT_LT(z_error, 0.006);
  FftRepulsionOptions fine;
  fine.nodes_per_box = 4;
  fine.boxes_per_unit = 2;
  const auto [fine_force_error, fine_z_error] = fft_errors(map, fine, 2);
  EXPECT_LT(fine_force_error, 2e-3);
  EXPECT_LT(fine_z_error, 1e-4);
}

TEST(FftRepulsion, GridGrowsWithTheMap) {
  if (!fft_repulsion_available()) GTEST_SKIP() << "built without FFTW3: no FFT method";
  FftRepulsion repulsion({}, 1);
  Matrix y = testing::random_matrix(200, 2, 9);
  std::vector<double> force(400);
  repulsion.repulsion(y.data.data(), y.rows, force.data());
  EXPECT_EQ(repulsion.boxes(), 50);  // extent ~6: the minimum
  for (double& v : y.data) v *= 40;  // extent ~250: about one box per unit
  repulsion.repulsion(y.data.data(), y.rows, force.data());
  EXPECT_GE(repulsion.boxes(), 200);
  EXPECT_LE(repulsion.boxes(), 400);
}

TEST(Tsne, BarnesHutAndFftMapsAreEquallyGood) {
  if (!fft_repulsion_available()) GTEST_SKIP() << "built without FFTW3: no FFT method";
  const testing::Blobs blobs = testing::gaussian_blobs(5, 400, 20, 11);
  TsneOptions o;
  o.threads = 2;
  o.method = TsneMethod::kBarnesHut;
  const TsneResult bh = tsne(blobs.points, o);
  o.method = TsneMethod::kFft;
  const TsneResult fft = tsne(blobs.points, o);
  EXPECT_EQ(fft.method, TsneMethod::kFft);
  const std::vector<double> kl = tsne_exact_kl(blobs.points, {bh.embedding, fft.embedding}, 30, 2);
  EXPECT_NEAR(kl[1], kl[0], 0.03 * kl[0]) << "Barnes-Hut " << kl[0] << ", FFT " << kl[1];
  EXPECT_GE(knn_cv_accuracy(fft.embedding, blobs.labels), 0.99);
}

TEST(Tsne, AutoChoosesByTheNumberOfPoints) {
  const testing::Blobs blobs = testing::gaussian_blobs(3, 100, 5, 1);
  TsneOptions o;
  o.iterations = 10;
  const TsneResult small = tsne(blobs.points, o);
  EXPECT_EQ(small.method, TsneMethod::kBarnesHut);
  EXPECT_EQ(small.neighbors, NeighborMethod::kExact);
  EXPECT_EQ(small.neighbor_recall, 1.0);
  o.neighbors = NeighborMethod::kApproximate;
  const TsneResult approximate = tsne(blobs.points, o);
  EXPECT_EQ(approximate.neighbors, NeighborMethod::kApproximate);
  EXPECT_GT(approximate.neighbor_recall, 0.95);
  EXPECT_LE(approximate.neighbor_recall, 1.0);
}

TEST(Tsne, MethodNamesRoundTripAndBadNamesAreListed) {
  for (TsneMethod m : {TsneMethod::kAuto, TsneMethod::kExact, TsneMethod::kBarnesHut, TsneMethod::kFft}) {
    EXPECT_EQ(parse_tsne_method(tsne_method_name(m)), m);
  }
  try {
    parse_tsne_method("fast");
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "t-SNE method 'fast' is not one of auto, exact, barnes-hut, fft");
  }
  EXPECT_EQ(parse_neighbor_method("approximate"), NeighborMethod::kApproximate);
  EXPECT_THROW(parse_neighbor_method("annoy"), Error);
}

TEST(Tsne, FftMethodNeedsTwoDimensions) {
  const Matrix x = testing::random_matrix(60, 4, 2);
  TsneOptions o;
  o.perplexity = 5;
  o.dims = 3;
  o.method = TsneMethod::kFft;
  try {
    tsne(x, o);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    const std::string what = e.what();
    EXPECT_TRUE(what.find("fft method maps to 2 dims, got 3") != std::string::npos ||
                what.find("needs FFTW3") != std::string::npos) << what;
  }
}

TEST(ApproximateNeighbors, RecallOnAFixedSet) {
  // 4,000 points in 20-D: 8 overlapping clusters (centres 3 apart, unit spread), 30 neighbours.
  testing::Normal normal(21);
  Matrix x(4000, 20);
  for (int64_t i = 0; i < x.rows; ++i) {
    for (int64_t d = 0; d < x.cols; ++d) x.at(i, d) = normal() + (d == i % 8 ? 3.0 : 0.0);
  }
  const Neighbors exact = nearest_neighbors(x, 30, 2);
  ApproximateKnnOptions options;
  options.seed = 4;
  const Neighbors approximate = approximate_nearest_neighbors(x, 30, options, 2);
  ASSERT_EQ(approximate.points, 4000);
  ASSERT_EQ(approximate.k, 30);
  std::vector<int64_t> all(4000);
  for (int64_t i = 0; i < 4000; ++i) all[static_cast<size_t>(i)] = i;
  EXPECT_GE(neighbor_recall(approximate, exact, all), 0.95);
  // Lists are sorted, hold no self and no duplicates, and carry true distances.
  for (int64_t i = 0; i < 4000; i += 97) {
    const int64_t* index = approximate.indices_of(i);
    std::vector<int64_t> sorted(index, index + 30);
    std::sort(sorted.begin(), sorted.end());
    EXPECT_EQ(std::adjacent_find(sorted.begin(), sorted.end()), sorted.end());
    EXPECT_EQ(std::count(index, index + 30, i), 0);
    for (int r = 1; r < 30; ++r) EXPECT_LE(approximate.distances_of(i)[r - 1], approximate.distances_of(i)[r]);
    double d2 = 0;
    for (int64_t d = 0; d < 20; ++d) d2 += (x.at(i, d) - x.at(index[0], d)) * (x.at(i, d) - x.at(index[0], d));
    EXPECT_DOUBLE_EQ(approximate.distances_of(i)[0], d2);
  }
  // The sampled recall of t-SNE compares with exact lists of the same rows.
  const std::vector<int64_t> sample = {0, 17, 512, 3999};
  EXPECT_EQ(neighbor_recall(exact, exact_neighbors_of(x, sample, 30, 1), sample), 1.0);
}

TEST(TsneTransform, HeldOutPointsLandInTheirOwnCluster) {
  const testing::Blobs reference = testing::gaussian_blobs(2, 200, 10, 7);
  TsneOptions o;
  o.threads = 2;
  const TsneResult map = tsne(reference.points, o);
  const testing::Blobs held_out = testing::gaussian_blobs(2, 40, 10, 99);
  TsneTransformOptions t;
  t.threads = 2;
  const TsneTransformResult placed = tsne_transform(reference.points, map.embedding, held_out.points, t);
  ASSERT_EQ(placed.embedding.rows, 80);
  ASSERT_EQ(placed.embedding.cols, 2);
  EXPECT_GT(placed.mean_kl, 0);
  // Each placed point's nearest reference point in the map is of its own cluster.
  const Neighbors nearest = nearest_neighbors(map.embedding, placed.embedding, 1, 1);
  int right = 0;
  for (int64_t i = 0; i < 80; ++i) {
    right += reference.labels[static_cast<size_t>(nearest.indices_of(i)[0])] ==
             held_out.labels[static_cast<size_t>(i)];
  }
  EXPECT_EQ(right, 80);
}

TEST(TsneTransform, ExcludedRowsAreNotTheirOwnNeighbours) {
  // Placing the reference points themselves: with their own rows excluded each still lands in
  // its cluster (its other neighbours are there), not on top of its own reference position.
  const testing::Blobs reference = testing::gaussian_blobs(2, 150, 6, 3);
  TsneOptions o;
  o.threads = 1;
  const TsneResult map = tsne(reference.points, o);
  TsneTransformOptions t;
  t.threads = 1;
  for (int64_t i = 0; i < reference.points.rows; ++i) t.exclude.push_back(i);
  const TsneTransformResult placed = tsne_transform(reference.points, map.embedding, reference.points, t);
  const Neighbors nearest = nearest_neighbors(map.embedding, placed.embedding, 1, 1);
  int right = 0, on_self = 0;
  for (int64_t i = 0; i < 300; ++i) {
    right += reference.labels[static_cast<size_t>(nearest.indices_of(i)[0])] == reference.labels[static_cast<size_t>(i)];
    on_self += std::hypot(placed.embedding.at(i, 0) - map.embedding.at(i, 0),
                          placed.embedding.at(i, 1) - map.embedding.at(i, 1)) < 1e-6;
  }
  EXPECT_EQ(right, 300);
  EXPECT_EQ(on_self, 0);
  t.exclude.pop_back();
  EXPECT_THROW(tsne_transform(reference.points, map.embedding, reference.points, t), Error);
}

TEST(Tsne, StartsFromGivenPositions) {
  // Two runs from the same given start keep its orientation: cluster centres stay on the same
  // side as in the start, so maps of two runs can be compared by eye.
  const testing::Blobs blobs = testing::gaussian_blobs(2, 150, 8, 5);
  TsneOptions o;
  o.threads = 1;
  o.initial_positions = Matrix(300, 2);
  for (int64_t i = 0; i < 300; ++i) {
    o.initial_positions.at(i, 0) = blobs.labels[static_cast<size_t>(i)] == 0 ? -5.0 : 5.0;
    o.initial_positions.at(i, 1) = 0.01 * static_cast<double>(i % 7);
  }
  const TsneResult r = tsne(blobs.points, o);
  double mean0 = 0, mean1 = 0;
  for (int64_t i = 0; i < 300; ++i) (blobs.labels[static_cast<size_t>(i)] == 0 ? mean0 : mean1) += r.embedding.at(i, 0);
  EXPECT_LT(mean0, mean1);
  TsneOptions bad = o;
  bad.initial_positions = Matrix(299, 2);
  try {
    tsne(blobs.points, bad);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("initial positions are 299 x 2, expected one row of 2 per point (300 x 2)"),
              std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace aelab::analysis
