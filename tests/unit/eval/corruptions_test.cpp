#include "aelab/data/corruptions.h"

#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <string>

#include "aelab/core/error.h"
#include "error_of.h"

namespace aelab::data {
namespace {

using Kind = Corruption::Kind;

using aelab::testing::error_of;

at::Tensor gray(int64_t n = 64, int64_t c = 1, int64_t size = 32) {
  return at::full({n, c, size, size}, 0.5);
}

at::Tensor corrupt(const std::string& spec, const at::Tensor& clean, uint64_t seed = 7,
                   int64_t batch = 0) {
  return apply_corruption(parse_corruption(spec), clean, seed, batch);
}

double mean_of(const at::Tensor& t) { return t.mean().item<double>(); }
double std_of(const at::Tensor& t) { return t.std().item<double>(); }
double fraction(const at::Tensor& mask) { return mask.to(at::kDouble).mean().item<double>(); }

TEST(ParseCorruption, ReadsEveryForm) {
  auto g = parse_corruption("gaussian:0.3");
  EXPECT_EQ(g.kind, Kind::kGaussian);
  EXPECT_DOUBLE_EQ(g.param, 0.3);
  EXPECT_TRUE(g.clip);
  auto n = parse_corruption(" gaussian:2:noclip ");
  EXPECT_DOUBLE_EQ(n.param, 2.0);
  EXPECT_FALSE(n.clip);
  EXPECT_DOUBLE_EQ(parse_corruption("uniform").param, 1.0);
  EXPECT_DOUBLE_EQ(parse_corruption("uniform:0.25").param, 0.25);
  EXPECT_FALSE(parse_corruption("uniform:noclip").clip);
  EXPECT_EQ(parse_corruption("saltpepper:0.1").kind, Kind::kSaltPepper);
  EXPECT_DOUBLE_EQ(parse_corruption("occlusion:14").param, 14.0);
  EXPECT_EQ(parse_corruption("original").kind, Kind::kOriginal);
}

TEST(ParseCorruption, SpecRoundTrips) {
  for (const std::string spec : {"original", "gaussian:0.3", "gaussian:0.5:noclip", "uniform:1",
                                 "uniform:0.2:noclip", "saltpepper:0.05", "occlusion:14"}) {
    EXPECT_EQ(parse_corruption(spec).spec(), spec);
  }
  EXPECT_EQ(parse_corruption("uniform").spec(), "uniform:1");
  EXPECT_EQ(parse_corruption("gaussian:1e-1").spec(), "gaussian:0.1");
}

TEST(ParseCorruption, EveryMistakeIsNamed) {
  const std::string forms =
      "; valid forms: original, gaussian:SIGMA[:noclip], uniform[:A][:noclip], saltpepper:RATE, "
      "occlusion:SIZE";
  const std::pair<std::string, std::string> cases[] = {
      {"blur:1", "corruption \"blur:1\": unknown corruption \"blur\""},
      {"", "corruption \"\": unknown corruption \"\""},
      {"gaussian", "corruption \"gaussian\": gaussian takes exactly one parameter"},
      {"gaussian:0.1:2", "corruption \"gaussian:0.1:2\": gaussian takes exactly one parameter"},
      {"gaussian:-0.1", "corruption \"gaussian:-0.1\": SIGMA must be >= 0"},
      {"gaussian:0.1x", "corruption \"gaussian:0.1x\": SIGMA must be a number, got \"0.1x\""},
      {"gaussian:abc", "corruption \"gaussian:abc\": SIGMA must be a number, got \"abc\""},
      {"gaussian:inf", "corruption \"gaussian:inf\": SIGMA must be a number, got \"inf\""},
      {"gaussian:", "corruption \"gaussian:\": SIGMA must be a number, got \"\""},
      {"uniform:-1", "corruption \"uniform:-1\": A must be >= 0"},
      {"uniform:1:2", "corruption \"uniform:1:2\": uniform takes at most one parameter"},
      {"saltpepper:1.5", "corruption \"saltpepper:1.5\": RATE must be in [0, 1]"},
      {"saltpepper:-0.1", "corruption \"saltpepper:-0.1\": RATE must be in [0, 1]"},
      {"saltpepper", "corruption \"saltpepper\": saltpepper takes exactly one parameter"},
      {"occlusion:0", "corruption \"occlusion:0\": SIZE must be >= 1"},
      {"occlusion:14.5",
       "corruption \"occlusion:14.5\": SIZE must be a whole number, got \"14.5\""},
      {"occlusion:3:noclip",
       "corruption \"occlusion:3:noclip\": noclip only applies to gaussian and uniform noise"},
      {"original:1", "corruption \"original:1\": original takes no parameter"},
  };
  for (const auto& [spec, message] : cases) {
    EXPECT_EQ(error_of([&] { parse_corruption(spec); }), message + forms) << spec;
  }
}

TEST(ParseCorruptionList, ReadsMixturesAndRejectsEmptyEntries) {
  auto list = parse_corruption_list("gaussian:0.3, occlusion:14,original");
  ASSERT_EQ(list.size(), 3u);
  EXPECT_EQ(list[0].spec(), "gaussian:0.3");
  EXPECT_EQ(list[1].spec(), "occlusion:14");
  EXPECT_EQ(list[2].spec(), "original");
  EXPECT_NE(error_of([] { parse_corruption_list(" "); }).find("corruption list is empty"),
            std::string::npos);
  EXPECT_NE(error_of([] { parse_corruption_list("gaussian:0.3,,original"); })
                .find("corruption list \"gaussian:0.3,,original\" has an empty entry"),
            std::string::npos);
  EXPECT_NE(error_of([] { parse_corruption_list("gaussian:0.3,blur"); })
                .find("corruption \"blur\": unknown corruption"),
            std::string::npos);
}

TEST(Pick, IsDeterministicAndUsesEveryMember) {
  auto list = parse_corruption_list("gaussian:0.3,occlusion:14");
  int first = 0;
  for (int64_t b = 0; b < 1000; ++b) {
    const Corruption& c = pick(list, b, 42);
    EXPECT_EQ(&c, &pick(list, b, 42));
    first += (&c == &list[0]);
  }
  EXPECT_GT(first, 430);  // binomial(1000, 1/2): 500 +- 16 (1 sigma)
  EXPECT_LT(first, 570);
  EXPECT_EQ(error_of([] { pick({}, 0, 1); }), "pick: the corruption list is empty");
}

TEST(ApplyCorruption, GaussianNoiseHasTheRequestedSigma) {
  auto clean = gray();  // 65536 values: the standard error of the mean is sigma / 256
  for (double sigma : {0.1, 0.5, 2.0}) {
    auto noise = apply_corruption({Kind::kGaussian, sigma, false}, clean, 1, 0) - clean;
    EXPECT_NEAR(mean_of(noise), 0.0, 0.02 * sigma) << sigma;
    EXPECT_NEAR(std_of(noise), sigma, 0.02 * sigma) << sigma;
  }
}

TEST(ApplyCorruption, UniformNoiseIsAddedFromZeroToA) {
  auto clean = gray();
  for (double a : {1.0, 0.4}) {
    auto noise = apply_corruption({Kind::kUniform, a, false}, clean, 1, 0) - clean;
    EXPECT_NEAR(mean_of(noise), a / 2, 0.01 * a) << a;
    EXPECT_NEAR(std_of(noise), a / std::sqrt(12.0), 0.01 * a) << a;
    EXPECT_GE(noise.min().item<double>(), -1e-7);
    EXPECT_LT(noise.max().item<double>(), a + 1e-7);
  }
}

TEST(ApplyCorruption, SaltAndPepperHitsWholePixelsAtTheRate) {
  auto out = corrupt("saltpepper:0.2", gray(16, 3, 32));
  auto pepper = out == 0.0, salt = out == 1.0, kept = out == 0.5;
  EXPECT_NEAR(fraction(pepper), 0.1, 0.01);
  EXPECT_NEAR(fraction(salt), 0.1, 0.01);
  EXPECT_TRUE((pepper | salt | kept).all().item<bool>());
  // A pixel's three channels share the draw.
  EXPECT_TRUE(out.eq(out.narrow(1, 0, 1)).all().item<bool>());
  EXPECT_TRUE(corrupt("saltpepper:1", gray()).ne(0.5).all().item<bool>());
  EXPECT_TRUE(corrupt("saltpepper:0", gray()).eq(0.5).all().item<bool>());
}

TEST(ApplyCorruption, OcclusionZeroesOneFullSquarePerImage) {
  auto clean = at::ones({32, 3, 28, 28});
  auto out = corrupt("occlusion:14", clean);
  auto zero = out.eq(0.0);
  EXPECT_TRUE(zero.flatten(1).sum(1).eq(3 * 14 * 14).all().item<bool>());
  // The zeros of each image form one 14x14 square: their bounding box is 14x14.
  auto rows = zero.any(3).any(1);  // [N, H]
  auto cols = zero.any(2).any(1);  // [N, W]
  EXPECT_TRUE(rows.sum(1).eq(14).all().item<bool>());
  EXPECT_TRUE(cols.sum(1).eq(14).all().item<bool>());
  // Placed at random: not every image has the same top row.
  auto top = rows.to(at::kInt).argmax(1);
  EXPECT_GT(std::get<0>(at::_unique(top)).size(0), 4);
  // The whole image is a valid square; larger is an error.
  EXPECT_TRUE(corrupt("occlusion:28", clean).eq(0.0).all().item<bool>());
  EXPECT_EQ(error_of([&] { corrupt("occlusion:29", clean); }),
            "corruption \"occlusion:29\": the square does not fit in 28x28 images");
}

TEST(ApplyCorruption, ClipsToTheUnitIntervalUnlessNoclip) {
  auto clipped = corrupt("gaussian:2", gray());
  EXPECT_EQ(clipped.min().item<double>(), 0.0);
  EXPECT_EQ(clipped.max().item<double>(), 1.0);
  auto raw = corrupt("gaussian:2:noclip", gray());
  EXPECT_LT(raw.min().item<double>(), -1.0);
  EXPECT_GT(raw.max().item<double>(), 2.0);
  EXPECT_LE(corrupt("uniform", gray()).max().item<double>(), 1.0);
}

TEST(ApplyCorruption, IsDeterministicPerSeedAndBatch) {
  auto clean = at::rand({8, 1, 28, 28});
  for (const std::string spec : {"gaussian:0.3", "uniform", "saltpepper:0.3", "occlusion:7"}) {
    auto a = corrupt(spec, clean, 11, 3);
    EXPECT_TRUE(a.equal(corrupt(spec, clean, 11, 3))) << spec;
    EXPECT_FALSE(a.equal(corrupt(spec, clean, 11, 4))) << spec;
    EXPECT_FALSE(a.equal(corrupt(spec, clean, 12, 3))) << spec;
  }
}

TEST(ApplyCorruption, OriginalCopiesAndNothingModifiesTheInput) {
  auto clean = at::rand({4, 1, 16, 16});
  auto before = clean.clone();
  auto same = corrupt("original", clean);
  EXPECT_TRUE(same.equal(clean));
  EXPECT_NE(same.data_ptr(), clean.data_ptr());
  for (const std::string spec : {"gaussian:0.3", "uniform", "saltpepper:0.3", "occlusion:7"}) {
    corrupt(spec, clean);
  }
  EXPECT_TRUE(clean.equal(before));
}

TEST(ApplyCorruption, RejectsNonImageBatches) {
  EXPECT_EQ(error_of([] { corrupt("gaussian:0.1", at::zeros({4, 16})); }),
            "corruption \"gaussian:0.1\": expected a floating NCHW batch, got 2-d Float");
  EXPECT_EQ(error_of([] { corrupt("original", at::zeros({1, 1, 4, 4}, at::kByte)); }),
            "corruption \"original\": expected a floating NCHW batch, got 4-d Byte");
}

// GPU tests are named *_CUDA and skip visibly without a GPU.
TEST(ApplyCorruption, RunsOnTheDevice_CUDA) {
  if (!at::hasCUDA()) GTEST_SKIP() << "no CUDA device";
  auto clean = at::full({16, 3, 28, 28}, 0.5).to(at::kCUDA);
  for (const std::string spec : {"gaussian:0.3", "uniform", "saltpepper:0.3", "occlusion:7"}) {
    auto a = corrupt(spec, clean, 5, 1);
    EXPECT_TRUE(a.is_cuda()) << spec;
    EXPECT_TRUE(a.equal(corrupt(spec, clean, 5, 1))) << spec;
    EXPECT_FALSE(a.equal(corrupt(spec, clean, 5, 2))) << spec;
  }
  auto noise = corrupt("gaussian:0.5:noclip", clean) - clean;
  EXPECT_NEAR(std_of(noise), 0.5, 0.01);
  auto ones = at::ones({8, 1, 28, 28}, at::kCUDA);
  EXPECT_TRUE(corrupt("occlusion:14", ones).eq(0).flatten(1).sum(1).eq(196).all().item<bool>());
}

}  // namespace
}  // namespace aelab::data
