#include "aelab/analysis/pca.h"

#include <gtest/gtest.h>

#include <ATen/ATen.h>

#include "aelab/analysis/tsne.h"
#include "aelab/core/error.h"

namespace aelab::analysis {
namespace {

// 200 points in 6-D with clearly decreasing variances along mixed directions.
torch::Tensor correlated_data() {
  torch::manual_seed(7);
  const torch::Tensor latent = torch::randn({200, 6}, torch::kFloat64) *
                               torch::tensor({5.0, 3.0, 2.0, 1.0, 0.5, 0.1}, torch::kFloat64);
  const torch::Tensor mix = std::get<0>(at::linalg_qr(torch::randn({6, 6}, torch::kFloat64)));
  return (latent.matmul(mix) + 3.0).to(torch::kFloat32);
}

TEST(Pca, ProjectionsMatchSvdOfCenteredDataUpToSign) {
  const torch::Tensor x = correlated_data();
  const PcaResult r = pca(x, 3);
  ASSERT_EQ(r.components.sizes(), (std::vector<int64_t>{3, 6}));
  ASSERT_EQ(r.projected.sizes(), (std::vector<int64_t>{200, 3}));
  ASSERT_EQ(r.mean.sizes(), (std::vector<int64_t>{6}));
  EXPECT_EQ(r.projected.scalar_type(), torch::kFloat32);

  const torch::Tensor xd = x.to(torch::kFloat64);
  const torch::Tensor centered = xd - xd.mean(0);
  auto [u, s, vh] = at::linalg_svd(centered, false);
  const torch::Tensor expected = u.slice(1, 0, 3) * s.slice(0, 0, 3);  // U S = X V
  for (int64_t c = 0; c < 3; ++c) {
    const torch::Tensor got = r.projected.select(1, c).to(torch::kFloat64);
    const torch::Tensor want = expected.select(1, c);
    const double sign = (got * want).sum().item<double>() >= 0 ? 1.0 : -1.0;
    EXPECT_LT((got - sign * want).abs().max().item<double>(), 1e-3) << "component " << c;
  }
  // Components are orthonormal.
  const torch::Tensor gram = r.components.to(torch::kFloat64).matmul(r.components.to(torch::kFloat64).t());
  EXPECT_TRUE(torch::allclose(gram, torch::eye(3, torch::kFloat64), 1e-5, 1e-5));
}

TEST(Pca, ExplainedVarianceRatiosAreOrderedAndSumToAtMostOne) {
  const PcaResult r = pca(correlated_data(), 6);
  ASSERT_EQ(r.explained_variance_ratio.size(), 6u);
  double sum = 0;
  for (size_t c = 0; c < 6; ++c) {
    sum += r.explained_variance_ratio[c];
    if (c > 0) {
      EXPECT_GE(r.explained_variance_ratio[c - 1], r.explained_variance_ratio[c]);
    }
  }
  EXPECT_NEAR(sum, 1.0, 1e-9);  // all components: everything explained
  const PcaResult two = pca(correlated_data(), 2);
  // Variances 25 : 9 : 4 : 1 : .25 : .01 up to sampling noise.
  EXPECT_NEAR(two.explained_variance_ratio[0], 25.0 / 39.26, 0.08);
  EXPECT_LT(two.explained_variance_ratio[0] + two.explained_variance_ratio[1], 1.0);
}

TEST(Pca, SignsAreDeterministicAndMatrixRoundTrips) {
  const torch::Tensor x = correlated_data();
  const PcaResult a = pca(x, 2);
  const PcaResult b = pca(x.flip(0), 2);  // same cloud, rows in another order
  EXPECT_TRUE(torch::allclose(a.components, b.components, 1e-4, 1e-4));
  const Matrix m = to_matrix(x);
  EXPECT_EQ(m.rows, 200);
  EXPECT_EQ(m.cols, 6);
  EXPECT_FLOAT_EQ(static_cast<float>(m.at(3, 4)), x[3][4].item<float>());
  EXPECT_TRUE(torch::equal(to_tensor(m).to(torch::kFloat32), x));
}

// principal_scores (the torch-free PCA behind t-SNE's init) against torch's SVD, on both of its
// routes: covariance eigen-decomposition (few columns) and randomized subspace iteration (many).
void expect_scores_match_torch(const torch::Tensor& x, int k) {
  const Matrix scores = principal_scores(to_matrix(x), k, 3);
  const torch::Tensor reference = pca(x.to(torch::kFloat64), k).projected;
  ASSERT_EQ(scores.rows, x.size(0));
  ASSERT_EQ(scores.cols, k);
  const torch::Tensor got = to_tensor(scores);
  for (int64_t c = 0; c < k; ++c) {
    const torch::Tensor a = got.select(1, c), b = reference.select(1, c);
    const double sign = (a * b).sum().item<double>() >= 0 ? 1.0 : -1.0;
    EXPECT_LT((a - sign * b).abs().max().item<double>(), 1e-6 * b.abs().max().item<double>())
        << "component " << c << " of " << x.size(1) << "-D data";
  }
}

TEST(Pca, TorchFreeScoresMatchTorchOnBothRoutes) {
  expect_scores_match_torch(correlated_data().to(torch::kFloat64), 3);
  torch::manual_seed(11);
  torch::Tensor scale = torch::ones({300}, torch::kFloat64);
  scale[0] = 10.0;
  scale[1] = 6.0;
  const torch::Tensor wide = torch::randn({200, 300}, torch::kFloat64) * scale;
  expect_scores_match_torch(wide.matmul(std::get<0>(at::linalg_qr(torch::randn({300, 300}, torch::kFloat64)))), 2);
}

TEST(Pca, BadInputIsRejectedWithAClearMessage) {
  EXPECT_THROW(pca(torch::zeros({1, 4}), 1), aelab::Error);
  EXPECT_THROW(pca(torch::zeros({10, 4}), 5), aelab::Error);
  EXPECT_THROW(pca(torch::zeros({10}), 1), aelab::Error);
  torch::Tensor bad = torch::ones({10, 3});
  bad[2][1] = std::numeric_limits<float>::quiet_NaN();
  try {
    pca(bad, 1);
    FAIL() << "expected an error";
  } catch (const aelab::Error& e) {
    EXPECT_NE(std::string(e.what()).find("NaN"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace aelab::analysis
