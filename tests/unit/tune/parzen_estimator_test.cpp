// Densities of the Parzen estimator against Optuna 3.1 / SciPy numbers (parzen_reference.py).
#include "aelab/tune/samplers/parzen_estimator.h"

#include <gtest/gtest.h>

#include <cmath>

#include "aelab/tune/samplers/truncated_normal.h"
#include "aelab/tune/search_space.h"

namespace aelab::tune {
namespace {

void expect_log_pdf(const Distribution& dist, const std::vector<double>& obs,
                    const std::vector<double>& xs, const std::vector<double>& want,
                    bool normalized = false) {
  ParzenOptions options;
  options.normalized_kernels = normalized;
  ParzenEstimator pe({&dist}, {obs}, options);
  auto got = pe.log_pdf({xs});
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < want.size(); ++i) EXPECT_NEAR(got[i], want[i], 1e-9) << "x = " << xs[i];
}

TEST(ParzenEstimator, MatchesOptunaDensities) {
  const Distribution uniform = FloatDistribution{-5, 10, false, {}};
  const std::vector<double> obs{1.0, 2.5, -4.0, 7.0, 3.0, 2.9}, xs{-5.0, 0.0, 2.7, 9.9};
  expect_log_pdf(uniform, obs, xs,
                 {-1.309472081418348, -0.9496595997537917, -0.7595999988640525, -1.522367372675149});
  expect_log_pdf(FloatDistribution{1e-4, 1e-1, true, {}}, {1e-3, 2e-3, 5e-2}, {1e-4, 1e-3, 3e-2},
                 {-1.2760438359433677, -0.6666730706126685, -0.8347795489043874});
  expect_log_pdf(IntDistribution{4, 32, false, 4}, {8, 8, 16, 32}, {4, 8, 20, 32},
                 {-1.9670391322531446, -1.7237207094108338, -2.1630101889926108,
                  -2.6287048557515194});
  expect_log_pdf(FloatDistribution{0.0, 1.0, false, 0.25}, {0.25, 0.5, 0.5}, {0.0, 0.5, 1.0},
                 {-1.941600637615054, -1.1690882253177868, -2.521977535571417});
  expect_log_pdf(CategoricalDistribution{{std::string("a"), std::string("b"), std::string("c")}},
                 {0, 0, 2}, {0, 1, 2},
                 {-0.7419373447293773, -1.6582280766035324, -1.0986122886681096});
  std::vector<double> obs30;
  for (int i = 0; i < 30; ++i) obs30.push_back(double((i * 7) % 30) / 3.0);
  const Distribution ten = FloatDistribution{0, 10, false, {}};
  expect_log_pdf(ten, obs30, {0.5, 5.0, 9.5},
                 {-2.7231651535706467, -2.6979620061243317, -2.727775962787682});
  // Normalised kernels: true truncated-normal mixtures (SciPy).
  expect_log_pdf(uniform, obs, xs,
                 {-3.2984211429483707, -2.597593016375773, -2.148893429710597, -3.519346122796715},
                 true);
  expect_log_pdf(ten, obs30, {0.5, 5.0, 9.5},
                 {-2.2879284484192484, -2.3400143948320147, -2.2968990828864584}, true);
}

TEST(ParzenEstimator, DefaultWeightsRampOldObservations) {
  EXPECT_EQ(tpe_default_weights(3), (std::vector<double>{1, 1, 1}));
  auto w = tpe_default_weights(30);
  ASSERT_EQ(w.size(), 30u);
  EXPECT_DOUBLE_EQ(w[0], 1.0 / 30);
  EXPECT_DOUBLE_EQ(w[4], 1.0);
  EXPECT_NEAR(w[2], 1.0 / 30 + (1 - 1.0 / 30) * 0.5, 1e-12);
  EXPECT_DOUBLE_EQ(w[29], 1.0);
}

TEST(ParzenEstimator, SamplesStayInTheDistribution) {
  Distribution dist = IntDistribution{1, 100, true, 1};
  std::vector<std::vector<double>> obs{{2, 3, 50}};
  ParzenEstimator pe({&dist}, obs, ParzenOptions{});
  RandomEngine rng(5);
  auto samples = pe.sample(rng, 500);
  for (double v : samples[0]) {
    ASSERT_TRUE(contains(dist, v)) << v;
  }
}

TEST(TruncatedNormal, QuantileInvertsTheCdfAndMassesAreAccurate) {
  EXPECT_NEAR(normal::quantile(0.975), 1.959963984540054, 1e-13);
  for (double p : {1e-300, 1e-20, 1e-5, 0.01, 0.3, 0.5, 0.77, 0.999}) {
    EXPECT_NEAR(normal::cdf(normal::quantile(p)) / p, 1.0, 1e-11) << p;
  }
  // log(Phi(-38) - Phi(-40)) ~ log Phi(-38), far below what Phi itself can represent well.
  EXPECT_NEAR(normal::log_mass(-40, -38), -726.5572160188201, 1e-6);
  EXPECT_NEAR(normal::log_mass(-1, 1), std::log(0.6826894921370859), 1e-13);
  EXPECT_NEAR(normal::log_mass(30, 31), normal::log_mass(-31, -30), 1e-9);
  RandomEngine rng(1);
  for (int i = 0; i < 1000; ++i) {
    double z = normal::sample_truncated(-0.2, 3.0, rng.uniform());
    ASSERT_GE(z, -0.2);
    ASSERT_LE(z, 3.0);
    z = normal::sample_truncated(2.0, 9.0, rng.uniform());
    ASSERT_GE(z, 2.0);
  }
}

}  // namespace
}  // namespace aelab::tune
