// Latent Gaussians, sampling, interpolation, a run's model mapping images <-> codes, and the
// 2-D latent maps with their quality figures.
#include "aelab/analysis/generation.h"

#include <gtest/gtest.h>

#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>
#include <nlohmann/json.hpp>

#include <cmath>

#include "aelab/analysis/latent_map.h"
#include "aelab/analysis/run_model.h"
#include "aelab/config/document.h"
#include "aelab/core/error.h"
#include "aelab/data/dataset.h"
#include "test_paths.h"

namespace aelab::analysis {
namespace {

template <typename F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const aelab::Error& e) {
    return e.what();
  }
  return "(no error)";
}

double max_abs(const at::Tensor& t) { return t.abs().max().item<double>(); }

TEST(FitGaussian, HandExampleMeanCovarianceAndCholesky) {
  // Deviations from the mean (3, 5): (-2, -3), (0, 1), (2, 2).
  auto codes = at::tensor({1.0, 2.0, 3.0, 6.0, 5.0, 7.0}, at::kDouble).reshape({3, 2});
  Gaussian g = fit_gaussian(codes);
  EXPECT_LT(max_abs(g.mean - at::tensor({3.0, 5.0}, at::kDouble)), 1e-12);
  auto cov = at::tensor({4.0, 5.0, 5.0, 7.0}, at::kDouble).reshape({2, 2});  // divides by n - 1
  EXPECT_LT(max_abs(g.covariance - cov), 1e-12);
  EXPECT_EQ(g.jitter, 0.0);
  auto l = at::tensor({2.0, 0.0, 2.5, std::sqrt(0.75)}, at::kDouble).reshape({2, 2});
  EXPECT_LT(max_abs(g.cholesky - l), 1e-12);
}

TEST(FitGaussian, MatchesTheCodesStatisticsAndItsSamplesMatchIt) {
  // Codes from a known correlated Gaussian in 4-D.
  auto gen = at::detail::createCPUGenerator(11);
  auto a = at::tensor({2.0, 0.0, 0.0, 0.0, 1.0, 0.5, 0.0, 0.0, -0.5, 0.3, 0.2, 0.0, 0.4, -1.0, 0.1,
                       0.05},
                      at::kDouble)
               .reshape({4, 4});
  auto true_mean = at::tensor({1.0, -2.0, 0.5, 3.0}, at::kDouble);
  auto codes = true_mean + at::randn({5000, 4}, gen, at::kDouble).mm(a.t());
  Gaussian g = fit_gaussian(codes.to(at::kFloat));  // float codes, as encoders give them
  auto centered = codes - codes.mean(0);
  auto sample_cov = centered.t().mm(centered) / 4999.0;
  EXPECT_LT(max_abs(g.mean - codes.mean(0)), 1e-5);
  EXPECT_LT(max_abs(g.covariance - sample_cov), 1e-4);
  EXPECT_LT(max_abs(g.cholesky.mm(g.cholesky.t()) - g.covariance), 1e-10);
  // ... and near the generating distribution (5000 draws: a few percent).
  EXPECT_LT(max_abs(g.mean - true_mean), 0.1);
  EXPECT_LT(max_abs(g.covariance - a.mm(a.t())), 0.15);

  // Draws from the fitted Gaussian have its mean and covariance.
  auto draws = sample_gaussian(g, 40000, 3);
  ASSERT_EQ(draws.sizes(), (std::vector<int64_t>{40000, 4}));
  auto dc = draws - draws.mean(0);
  EXPECT_LT(max_abs(draws.mean(0) - g.mean), 0.05);
  EXPECT_LT(max_abs(dc.t().mm(dc) / 39999.0 - g.covariance), 0.1);
  // The seed decides the draws.
  EXPECT_TRUE(at::equal(sample_gaussian(g, 5, 9), sample_gaussian(g, 5, 9)));
  EXPECT_FALSE(at::equal(sample_gaussian(g, 5, 9), sample_gaussian(g, 5, 10)));
}

TEST(FitGaussian, SingularCovarianceGetsJitter) {
  // The third dimension is the sum of the first two (as a dead or redundant code unit would be).
  auto gen = at::detail::createCPUGenerator(5);
  auto xy = at::randn({200, 2}, gen, at::kDouble);
  auto codes = at::cat({xy, xy.sum(1, true)}, 1);
  Gaussian g = fit_gaussian(codes);
  EXPECT_GT(g.jitter, 0.0);
  EXPECT_LT(g.jitter, 1e-3);
  EXPECT_TRUE(at::isfinite(g.cholesky).all().item<bool>());
  auto eye = at::eye(3, at::kDouble);
  EXPECT_LT(max_abs(g.cholesky.mm(g.cholesky.t()) - (g.covariance + g.jitter * eye)), 1e-9);
  // Fewer codes than dimensions is singular too, and still samples.
  Gaussian few = fit_gaussian(at::randn({3, 8}, gen, at::kDouble));
  EXPECT_GT(few.jitter, 0.0);
  EXPECT_EQ(sample_gaussian(few, 4, 0).size(1), 8);
}

TEST(FitGaussian, BadCodesAreErrors) {
  EXPECT_EQ(error_of([] { fit_gaussian(at::ones({1, 3})); }),
            "fit_gaussian: needs at least 2 codes, got 1");
  auto nan = at::ones({4, 2});
  nan[2][1] = std::nan("");
  EXPECT_EQ(error_of([&] { fit_gaussian(nan); }), "fit_gaussian: the codes hold NaN or infinity");
  EXPECT_NE(error_of([] { fit_gaussian(at::ones({5})); }).find("must be [n, d]"), std::string::npos);
}

TEST(StandardNormal, SeededShapeAndMoments) {
  auto z = sample_standard_normal(20000, 3, 1);
  ASSERT_EQ(z.sizes(), (std::vector<int64_t>{20000, 3}));
  EXPECT_LT(max_abs(z.mean(0)), 0.03);
  EXPECT_LT(max_abs(z.var(0) - 1.0), 0.05);
  EXPECT_TRUE(at::equal(sample_standard_normal(3, 2, 7), sample_standard_normal(3, 2, 7)));
  EXPECT_EQ(error_of([] { sample_standard_normal(0, 2, 0); }),
            "the number of samples must be at least 1, got 0");
}

TEST(InterpolateCodes, EvenlySpacedWithExactEnds) {
  auto af = at::tensor({0.1, -3.0, 7.3}, at::kFloat), bf = at::tensor({1.7, 2.0, -0.3}, at::kFloat);
  auto line = interpolate_codes(af, bf, 5);  // float codes, as encoders give them
  auto a = af.to(at::kDouble), b = bf.to(at::kDouble);
  ASSERT_EQ(line.sizes(), (std::vector<int64_t>{5, 3}));
  EXPECT_TRUE(at::equal(line[0], a));
  EXPECT_TRUE(at::equal(line[4], b));
  EXPECT_LT(max_abs(line[2] - (a + b) / 2), 1e-12);
  // Equal steps.
  auto steps = line.slice(0, 1) - line.slice(0, 0, 4);
  EXPECT_LT(max_abs(steps - (b - a) / 4), 1e-12);
  EXPECT_EQ(error_of([&] { interpolate_codes(a, b, 1); }),
            "interpolation needs at least 2 steps (both ends), got 1");
}

// --- RunModel on real MNIST images -------------------------------------------------------------

at::Tensor mnist_test_images(int64_t n) {
  static data::Dataset mnist = [] {
    data::DataOptions options;
    options.dataset = "mnist";
    return data::load_dataset_from_roots(options, {aelab::testing::shared_data_dir()});
  }();
  return mnist.test.images.slice(0, 0, n);
}

models::ModelSpec spec_from(const std::string& toml) {
  return models::read_model_spec(config::Document::parse(toml, "test.toml"));
}

RunModel make_run_model(const std::string& toml) {
  torch::manual_seed(0);
  models::Autoencoder model(spec_from(toml), models::Shape{1, 28, 28});
  return RunModel(model, train::Task(train::TaskOptions{}, 1), c10::Device(c10::kCPU), 3);
}

const char* kConvCodeAe = R"([model]
kind = "ae"
encoder = [{ conv2d = { filters = 4, kernel = 3, stride = 2, padding = 1 } }, "relu",
           { conv2d = { filters = 2, kernel = 3, stride = 2, padding = 1 } }]
)";
const char* kVae = R"([model]
kind = "vae"
latent = 6
encoder = [{ conv2d = { filters = 4, kernel = 3, stride = 2, padding = 1 } }, "batchnorm", "relu",
           "flatten", { dense = { units = 32 } }, "relu"]
)";

TEST(RunModel, InterpolationEndsDecodeToTheEndsReconstructions) {
  auto images = mnist_test_images(2);
  for (const char* toml : {kConvCodeAe, kVae}) {
    RunModel model = make_run_model(toml);
    auto codes = model.encode(images);
    ASSERT_EQ(codes.sizes(), (std::vector<int64_t>{2, model.latent_size()})) << toml;
    EXPECT_EQ(codes.scalar_type(), at::kDouble);
    auto decoded = model.decode(interpolate_codes(codes[0], codes[1], 5));
    ASSERT_EQ(decoded.sizes(), (std::vector<int64_t>{5, 1, 28, 28}));
    auto recon = model.reconstruct(images);
    EXPECT_LT(max_abs(decoded[0] - recon[0]), 1e-6) << toml;
    EXPECT_LT(max_abs(decoded[4] - recon[1]), 1e-6) << toml;
    EXPECT_GT(max_abs(decoded[2] - recon[0]), 1e-4) << "the middle differs from the ends";
    EXPECT_GE(decoded.min().item<double>(), 0.0);
    EXPECT_LE(decoded.max().item<double>(), 1.0);
  }
}

TEST(RunModel, EncodesInBatchesLikeTheWholeAndVaeCodesAreTheMean) {
  auto images = mnist_test_images(7);  // batch size 3: batches of 3, 3, 1
  RunModel model = make_run_model(kVae);
  auto codes = model.encode(images);
  torch::NoGradGuard no_grad;
  auto& net = model.model();
  auto x = images.to(at::kFloat).div(255.0);
  auto features = net->encoder->forward(x);
  EXPECT_LT(max_abs(codes - net->mu->forward(features).to(at::kDouble)), 1e-5);
  auto r = net->forward(x);  // eval mode: the decoded code is the mean, no sampling
  EXPECT_TRUE(at::equal(r.code, r.mu));
  EXPECT_NE(error_of([&] { model.decode(at::zeros({2, 5}, at::kDouble)); }).find("[n, 6]"),
            std::string::npos);
}

TEST(RunModel, ColorizerCannotGeneratePictures) {
  torch::manual_seed(0);
  models::Autoencoder model(spec_from(kConvCodeAe), models::Shape{1, 28, 28},
                            models::Shape{2, 28, 28});
  train::TaskOptions task;
  task.kind = aelab::train::TaskKind::kColorize;
  RunModel run(model, train::Task(task, 3), c10::Device(c10::kCPU));
  EXPECT_NE(error_of([&] { run.decode(at::zeros({1, run.latent_size()}, at::kDouble)); })
                .find("colorizer"),
            std::string::npos);
}

// --- latent maps ---------------------------------------------------------------------------------

// Three well separated clusters of 100 points in `d` dimensions.
struct Clusters {
  at::Tensor codes;
  std::vector<int64_t> labels;
};
Clusters clusters(int64_t d) {
  auto gen = at::detail::createCPUGenerator(2);
  auto centers = at::randn({3, d}, gen, at::kDouble) * 10.0;
  Clusters c;
  std::vector<at::Tensor> parts;
  for (int64_t k = 0; k < 3; ++k) {
    parts.push_back(centers[k] + at::randn({100, d}, gen, at::kDouble));
    c.labels.insert(c.labels.end(), 100, k);
  }
  c.codes = at::cat(parts, 0).to(at::kFloat);
  return c;
}

TEST(LatentMap, PcaKeepsSeparatedClusters) {
  auto c = clusters(8);
  LatentMapOptions options;
  LatentMap map = make_latent_map(c.codes, c.labels, options);
  EXPECT_EQ(map.points.rows, 300);
  EXPECT_EQ(map.points.cols, 2);
  EXPECT_EQ(map.code_dims, 8);
  ASSERT_EQ(map.explained_variance_ratio.size(), 2u);
  EXPECT_GE(map.explained_variance_ratio[0], map.explained_variance_ratio[1]);
  EXPECT_GT(map.explained_variance_ratio[0] + map.explained_variance_ratio[1], 0.7);
  EXPECT_DOUBLE_EQ(map.knn_accuracy, 1.0);
  EXPECT_GT(map.trustworthiness, 0.8);
  EXPECT_LE(map.trustworthiness, 1.0);
  EXPECT_TRUE(std::isnan(map.kl_divergence));
  auto json = nlohmann::json::parse(latent_map_json(map, options));
  EXPECT_EQ(json["method"], "pca");
  EXPECT_EQ(json["points"], 300);
  EXPECT_DOUBLE_EQ(json["trustworthiness"].get<double>(), map.trustworthiness);
  EXPECT_TRUE(json["kl_divergence"].is_null());
  EXPECT_EQ(json["explained_variance_ratio"].size(), 2u);
}

TEST(LatentMap, TsneReducesWideCodesByPcaFirst) {
  auto c = clusters(60);
  LatentMapOptions options;
  options.method = "tsne";
  options.iterations = 300;
  options.threads = 2;
  LatentMap map = make_latent_map(c.codes, c.labels, options);
  EXPECT_EQ(map.points.rows, 300);
  EXPECT_EQ(map.explained_variance_ratio.size(), 50u);  // reduced to 50 dimensions
  EXPECT_GT(map.knn_accuracy, 0.98);  // measured 0.997: a stray point may sit in another cluster
  EXPECT_GT(map.trustworthiness, 0.8);
  EXPECT_TRUE(std::isfinite(map.kl_divergence));
  EXPECT_GT(map.kl_divergence, 0.0);
  auto json = nlohmann::json::parse(latent_map_json(map, options));
  EXPECT_DOUBLE_EQ(json["kl_divergence"].get<double>(), map.kl_divergence);
  EXPECT_EQ(json["perplexity"], 30.0);
}

TEST(LatentMap, BadOptionsAreErrors) {
  auto c = clusters(4);
  LatentMapOptions options;
  options.method = "umap";
  EXPECT_EQ(error_of([&] { make_latent_map(c.codes, c.labels, options); }),
            "unknown latent map method 'umap' (expected pca or tsne)");
  options.method = "pca";
  auto few = c.codes.slice(0, 0, 15);
  std::vector<int64_t> few_labels(c.labels.begin(), c.labels.begin() + 15);
  EXPECT_NE(error_of([&] { make_latent_map(few, few_labels, options); }).find("need more than 20"),
            std::string::npos);
  few_labels.pop_back();
  EXPECT_EQ(error_of([&] { make_latent_map(few, few_labels, options); }),
            "latent map: 15 codes but 14 labels");
}

}  // namespace
}  // namespace aelab::analysis
