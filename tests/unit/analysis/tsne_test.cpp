#include "aelab/analysis/tsne.h"

#include <gtest/gtest.h>

#include <cmath>

#include "aelab/analysis/quality.h"
#include "aelab/core/error.h"
#include "fixtures.h"

namespace aelab::analysis {
namespace {

TEST(Tsne, ExactAndBarnesHutAgreeAndSeparateTheBlobs) {
  // 3 well-separated Gaussian blobs of 150 points in 10-D.
  const testing::Blobs blobs = testing::gaussian_blobs(3, 150, 10, 42);
  TsneOptions o;
  o.threads = 2;
  o.method = TsneMethod::kExact;
  const TsneResult exact = tsne(blobs.points, o);
  o.method = TsneMethod::kBarnesHut;
  const TsneResult barnes_hut = tsne(blobs.points, o);
  ASSERT_EQ(exact.embedding.rows, 450);
  ASSERT_EQ(exact.embedding.cols, 2);
  ASSERT_EQ(barnes_hut.embedding.rows, 450);
  EXPECT_EQ(exact.iterations_run, 1000);
  EXPECT_EQ(barnes_hut.iterations_run, 1000);
  EXPECT_GT(exact.kl_divergence, 0.1);

  // tsne_exact_kl reproduces the exact variant's own KL, whatever the threads.
  EXPECT_NEAR(tsne_exact_kl(blobs.points, exact.embedding, 30, 2), exact.kl_divergence,
              1e-9 * exact.kl_divergence);
  const std::vector<double> kl =
      tsne_exact_kl(blobs.points, {exact.embedding, barnes_hut.embedding}, 30, 1);
  EXPECT_NEAR(kl[0], exact.kl_divergence, 1e-9 * exact.kl_divergence);
  // Both maps evaluated against the same exact P, and each variant's own report, agree.
  EXPECT_NEAR(kl[1], kl[0], 0.15 * kl[0]) << "exact " << kl[0] << " Barnes-Hut " << kl[1];
  EXPECT_NEAR(barnes_hut.kl_divergence, exact.kl_divergence, 0.15 * exact.kl_divergence);
  EXPECT_GE(knn_cv_accuracy(exact.embedding, blobs.labels), 0.99);
  EXPECT_GE(knn_cv_accuracy(barnes_hut.embedding, blobs.labels), 0.99);
  EXPECT_GT(trustworthiness(blobs.points, barnes_hut.embedding, 10), 0.9);
}

TEST(Tsne, ExactGradientDescendsTheExactKl) {
  // Stopping early must leave a worse (higher) KL than the full run from the same start.
  const testing::Blobs blobs = testing::gaussian_blobs(3, 40, 5, 3);
  TsneOptions o;
  o.method = TsneMethod::kExact;
  o.perplexity = 10;
  o.iterations = 260;
  const TsneResult early = tsne(blobs.points, o);
  o.iterations = 1000;
  const TsneResult full = tsne(blobs.points, o);
  EXPECT_GT(early.kl_divergence, full.kl_divergence);
  EXPECT_NEAR(tsne_exact_kl(blobs.points, full.embedding, 10), full.kl_divergence,
              1e-9 * full.kl_divergence);
}

TEST(Tsne, SameSeedSameMapWhateverTheThreads) {
  const testing::Blobs blobs = testing::gaussian_blobs(3, 40, 5, 7);
  TsneOptions o;
  o.perplexity = 10;
  o.iterations = 300;
  o.init = "random";
  o.seed = 5;
  o.threads = 1;
  const TsneResult a = tsne(blobs.points, o);
  o.threads = 2;
  const TsneResult b = tsne(blobs.points, o);
  EXPECT_EQ(a.embedding.data, b.embedding.data);
  EXPECT_EQ(a.kl_divergence, b.kl_divergence);
  o.seed = 6;
  const TsneResult c = tsne(blobs.points, o);
  EXPECT_NE(a.embedding.data, c.embedding.data);
  o.init = "pca";
  o.dims = 3;
  o.iterations = 1000;
  const TsneResult d = tsne(blobs.points, o);
  EXPECT_EQ(d.embedding.cols, 3);
  EXPECT_GE(knn_cv_accuracy(d.embedding, blobs.labels), 0.99);
}

TEST(Tsne, PcaInitIsScaledToStdOneTenThousandth) {
  const testing::Blobs blobs = testing::gaussian_blobs(3, 40, 5, 7);
  TsneOptions o;
  o.perplexity = 10;
  o.iterations = 1;
  o.learning_rate = 1e-12;  // one negligible step: the map is the init
  const Matrix y = tsne(blobs.points, o).embedding;
  double mean = 0, var = 0;
  for (int64_t i = 0; i < y.rows; ++i) mean += y.at(i, 0);
  mean /= y.rows;
  for (int64_t i = 0; i < y.rows; ++i) var += (y.at(i, 0) - mean) * (y.at(i, 0) - mean);
  EXPECT_NEAR(std::sqrt(var / y.rows), 1e-4, 1e-8);
}

void expect_error(const Matrix& x, const TsneOptions& o, const std::string& fragment) {
  try {
    tsne(x, o);
    FAIL() << "expected an error containing '" << fragment << "'";
  } catch (const aelab::Error& e) {
    EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
  }
}

TEST(Tsne, BadInputIsRejectedWithAClearMessage) {
  const Matrix x = testing::random_matrix(40, 3, 1);
  TsneOptions o;
  o.perplexity = 5;
  expect_error(testing::random_matrix(1, 3, 1), o, "at least 2 rows");
  TsneOptions big = o;
  big.perplexity = 13;
  expect_error(x, big, "perplexity 13 is too large for 40 points");
  Matrix nan = x;
  nan.at(5, 2) = std::nan("");
  expect_error(nan, o, "row 5, column 2");
  TsneOptions dims = o;
  dims.dims = 4;
  expect_error(x, dims, "Barnes-Hut needs dims 2 or 3, got 4");
  TsneOptions init = o;
  init.init = "spectral";
  expect_error(x, init, "init must be \"pca\" or \"random\"");
  TsneOptions exact = o;
  exact.method = TsneMethod::kExact;
  expect_error(Matrix(20001, 1, 0.5), exact, "more than its limit of 20000");
  TsneOptions wide = o;
  wide.method = TsneMethod::kExact;
  wide.dims = 4;  // more map dimensions than the 3 input columns: no PCA init for that
  expect_error(x, wide, "init \"pca\" needs dims <= input columns (3), got dims 4");
  TsneOptions theta = o;
  theta.theta = 1.5;
  expect_error(x, theta, "theta must be in [0, 1]");
}

}  // namespace
}  // namespace aelab::analysis
