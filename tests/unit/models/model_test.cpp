// Model specs: shape inference, mirrored decoders, the summary table and errors that name the
// layer and both shapes.
#include <gtest/gtest.h>
#include <cmath>
#include <torch/nn.h>

#include "aelab/config/document.h"
#include "aelab/core/error.h"
#include "aelab/models/autoencoder.h"
#include "test_paths.h"

using namespace aelab;
using namespace aelab::models;

namespace {

Autoencoder model_from(const config::Document& doc, const Shape& input) {
  return Autoencoder(read_model_spec(doc), input);
}

std::string error_of(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const aelab::Error& e) {
    return e.what();
  }
  return "(no error)";
}

config::Document doc_with_encoder(const std::string& encoder, const std::string& extra = "") {
  return config::Document::parse("[model]\nencoder = " + encoder + "\n" + extra, "exp.toml");
}

}  // namespace

TEST(Models, FashionMnistCaeShapesAndParameterCounts) {
  auto doc = config::Document::load(aelab::testing::source_dir() / "configs/fashion_mnist_cae.toml");
  auto model = model_from(doc, {1, 28, 28});
  std::string summary = model->summary("fashion-mnist cae");
  // 28 -> 14 -> 7 -> 3 in the encoder, and back with output paddings 0, 1, 1.
  for (const char* shape : {"14x14x8", "7x7x16", "3x3x32", "288", "64"}) {
    EXPECT_NE(summary.find(shape), std::string::npos) << shape << "\n" << summary;
  }
  EXPECT_EQ(model->latent_size(), 14);
  EXPECT_NE(summary.find("Latent size: 14"), std::string::npos);
  // Hand count: encoder 80 + 1168 + 4640 + 18496 + 910; decoder 960 + 18720 + 4624 + 1160 + 73.
  EXPECT_NE(summary.find("Encoder params: 25294"), std::string::npos) << summary;
  EXPECT_NE(summary.find("Decoder params: 25537"), std::string::npos) << summary;
  EXPECT_NE(summary.find("Total params: 50831"), std::string::npos) << summary;
  auto out = model->forward(torch::rand({5, 1, 28, 28}));
  EXPECT_EQ(out.output.sizes(), (std::vector<int64_t>{5, 1, 28, 28}));
  EXPECT_EQ(out.code.sizes(), (std::vector<int64_t>{5, 14}));
  EXPECT_GE(out.output.min().item<float>(), 0.0f);  // sigmoid output
  EXPECT_LE(out.output.max().item<float>(), 1.0f);
  // The mirror used transposed convolutions with inferred output paddings 0, 1, 1.
  std::vector<int64_t> paddings;
  for (const auto& s : model->decoder_specs()) {
    if (s.type == LayerType::kConvTranspose2d) paddings.push_back(s.output_padding);
  }
  EXPECT_EQ(paddings, (std::vector<int64_t>{0, 1, 1}));
}

TEST(Models, CifarCaeShrinksTo8x8x16) {
  auto doc = config::Document::load(aelab::testing::source_dir() / "configs/cifar10_cae.toml");
  auto model = model_from(doc, {3, 32, 32});
  std::string summary = model->summary("cifar10 cae");
  for (const char* shape : {"32x32x8", "16x16x8", "16x16x12", "8x8x12", "8x8x16"}) {
    EXPECT_NE(summary.find(shape), std::string::npos) << shape << "\n" << summary;
  }
  EXPECT_EQ(model->latent_size(), 1024);
  auto out = model->forward(torch::rand({2, 3, 32, 32}));
  EXPECT_EQ(out.output.sizes(), (std::vector<int64_t>{2, 3, 32, 32}));
}

TEST(Models, EveryShippedConfigBuildsAndReproducesItsInputShape) {
  for (const auto& entry : std::filesystem::directory_iterator(aelab::testing::source_dir() / "configs")) {
    if (entry.path().extension() != ".toml") continue;
    auto doc = config::Document::load(entry.path());
    if (!doc.has("model")) continue;  // study files
    std::string dataset = doc.find("data.dataset")->value<std::string>().value_or("");
    Shape input = dataset.rfind("cifar", 0) == 0 || dataset == "image-folder"
                      ? Shape{3, 32, 32} : Shape{1, 28, 28};
    SCOPED_TRACE(entry.path().string());
    auto model = model_from(doc, input);
    model->eval();
    auto out = model->forward(torch::rand({2, input[0], input[1], input[2]}));
    EXPECT_EQ(out.output.sizes()[1], input[0]);
    EXPECT_EQ(out.output.sizes()[2], input[1]);
  }
}

TEST(Models, ParamReferencesScaleWidths) {
  auto doc = doc_with_encoder(
      "[{ conv2d = { filters = \"$n*3\", kernel = 3, padding = \"same\" } }, \"relu\"]",
      "[params]\nn = 5\n");
  auto model = model_from(doc, {1, 8, 8});
  EXPECT_EQ(model->latent_size(), 15 * 8 * 8);
}

TEST(Models, KernelThatDoesNotFitNamesLayerAndShapes) {
  auto doc = doc_with_encoder(
      "[{ conv2d = { filters = 4, kernel = 3, stride = 3 } }, { conv2d = { filters = 4, kernel = "
      "7, padding = \"valid\" } }]");
  auto msg = error_of([&] { model_from(doc, {1, 9, 9}); });
  EXPECT_NE(msg.find("model.encoder[1] (conv2d)"), std::string::npos) << msg;
  EXPECT_NE(msg.find("3x3x4"), std::string::npos) << msg;
  EXPECT_NE(msg.find("7x7 kernel"), std::string::npos) << msg;
  EXPECT_EQ(msg.rfind("exp.toml:2", 0), 0u) << msg;
}

TEST(Models, DecoderWithWrongOutputShapeIsRejectedBeforeTraining) {
  auto doc = doc_with_encoder("[\"flatten\", { dense = { units = 10 } }]",
                              "decoder = [{ dense = { units = 700 } }, \"sigmoid\"]\n");
  auto msg = error_of([&] { model_from(doc, {1, 28, 28}); });
  EXPECT_NE(msg.find("decoder ends in shape 700"), std::string::npos) << msg;
  EXPECT_NE(msg.find("28x28x1"), std::string::npos) << msg;
}

TEST(Models, SpecErrorsNameTheProblem) {
  EXPECT_NE(error_of([] { read_model_spec(doc_with_encoder("[\"relu\", \"softmaxx\"]")); })
                .find("model.encoder[1]: unknown layer 'softmaxx'"),
            std::string::npos);
  EXPECT_NE(error_of([] {
              read_model_spec(doc_with_encoder("[{ dense = { units = \"$width\" } }]"));
            }).find("[params] has no 'width'"),
            std::string::npos);
  EXPECT_NE(error_of([] {
              read_model_spec(doc_with_encoder("[{ conv2d = { filters = 4, kernal = 3 } }]"));
            }).find("kernal: unknown option"),
            std::string::npos);
  auto msg = error_of([] {
    model_from(doc_with_encoder("[{ dense = { units = 4 } }]"), {1, 28, 28});
  });
  EXPECT_NE(msg.find("add \"flatten\" before it"), std::string::npos) << msg;
  EXPECT_NE(error_of([] { read_model_spec(doc_with_encoder("[\"relu\"]", "kind = \"vae\"\n")); })
                .find("model.latent"),
            std::string::npos);
}

TEST(Models, MultiplyAddsCountMatrixAndConvolutionProducts) {
  auto doc = config::Document::load(aelab::testing::source_dir() / "configs/fashion_mnist_cae.toml");
  auto model = model_from(doc, {1, 28, 28});
  // Hand count. Encoder convs (out pixels x in channels x 9): 14*14*8*1*9 + 7*7*16*8*9 +
  // 3*3*32*16*9 = 14112 + 56448 + 41472; dense 288*64 + 64*14 = 18432 + 896. Decoder dense
  // 14*64 + 64*288 = 896 + 18432; transposed convs (in pixels x out channels x 9):
  // 3*3*32*16*9 + 7*7*16*8*9 + 14*14*8*1*9 = 41472 + 56448 + 14112.
  EXPECT_EQ(model->multiply_adds(), 262720);
  EXPECT_FALSE(model->matrix_products_only());
  EXPECT_NE(model->summary("cae").find("Multiply-adds per image (forward): 262720"),
            std::string::npos);
  auto dense = model_from(doc_with_encoder("[\"flatten\", { dense = { units = 32 } }, \"relu\"]"),
                          {1, 6, 6});
  EXPECT_EQ(dense->multiply_adds(), 36 * 32 * 2);  // encoder and its mirror
  EXPECT_TRUE(dense->matrix_products_only());
}

TEST(Models, VariationalHeadsAndMirroredDecoder) {
  auto doc = doc_with_encoder(
      "[\"flatten\", { dense = { units = 32 } }, \"relu\"]",
      "kind = \"vae\"\nlatent = 3\n");
  auto model = model_from(doc, {1, 6, 6});
  EXPECT_TRUE(model->variational());
  EXPECT_EQ(model->latent_size(), 3);
  model->train();
  auto out = model->forward(torch::rand({4, 1, 6, 6}));
  EXPECT_EQ(out.mu.sizes(), (std::vector<int64_t>{4, 3}));
  EXPECT_EQ(out.output.sizes(), (std::vector<int64_t>{4, 1, 6, 6}));
}

TEST(Models, KlOfStandardNormalIsZeroAndHandCase) {
  auto zeros = torch::zeros({2, 5});
  EXPECT_NEAR(kl_divergence(zeros, zeros).item<double>(), 0.0, 1e-12);
  // One dimension, mu = 1, sigma^2 = e: 0.5 * (e + 1 - 1 - 1) = 0.5 * (e - 1).
  auto mu = torch::ones({1, 1});
  auto logvar = torch::ones({1, 1});
  EXPECT_NEAR(kl_divergence(mu, logvar).item<double>(), 0.5 * (std::exp(1.0) - 1.0), 1e-6);
}

// Issue 16, item 5: a mistyped size is refused naming the layer before any weight is allocated.
// log_mse is the mean over images of ln(MSE of the image + 1e-6): an image twice as far off
// costs ln 4 more whatever its size, so a nearly perfect image weighs as much as a poor one.
TEST(Models, LogMseAveragesEachImagesLogError) {
  auto target = torch::zeros({2, 1, 2, 2});
  auto output = torch::zeros({2, 1, 2, 2});
  output[0].fill_(0.1);   // image 0: MSE 0.01
  output[1][0][0][0] = 2; // image 1: MSE 4 / 4 = 1
  const double expected = 0.5 * (std::log(0.01 + 1e-6) + std::log(1 + 1e-6));
  EXPECT_NEAR(reconstruction_loss(LossKind::kLogMse, output, target).item<double>(), expected,
              1e-6);
  // A perfect batch is ln 1e-6, finite.
  EXPECT_NEAR(reconstruction_loss(LossKind::kLogMse, target, target).item<double>(),
              std::log(1e-6), 1e-6);
  // Halving the error of the better image lowers the loss by as much as halving the worse one's.
  auto better = output.clone();
  better[0].fill_(0.1 / std::sqrt(2.0));
  auto worse = output.clone();
  worse[1][0][0][0] = 2 / std::sqrt(2.0);
  EXPECT_NEAR(reconstruction_loss(LossKind::kLogMse, better, target).item<double>(),
              reconstruction_loss(LossKind::kLogMse, worse, target).item<double>(), 1e-4);
}

TEST(Models, HugeLayersAreRefusedBeforeAllocating) {
  auto msg = error_of([] {
    model_from(doc_with_encoder("[\"flatten\", { dense = { units = 1000000000 } }]"), {1, 28, 28});
  });
  EXPECT_EQ(msg, "exp.toml:2: model.encoder[1] (dense): 1000000000 units x 784 inputs = "
                 "784000000000 weights, more than the 1073741824 a layer may have (4 GiB as "
                 "float32); is a size mistyped?");
  msg = error_of([] {
    model_from(doc_with_encoder("[{ conv2d = { filters = 100000000, kernel = 3 } }]"), {3, 28, 28});
  });
  EXPECT_EQ(msg.rfind("exp.toml:2: model.encoder[0] (conv2d): 100000000 filters x 3 input "
                      "channels x 3x3 kernel = 2700000000 weights, more than the 1073741824",
                      0),
            0u)
      << msg;
  // Few weights, but an output no batch fits in: 30000 filters on a 128x128 map per image.
  msg = error_of([] {
    model_from(doc_with_encoder("[{ conv2d = { filters = 30000, kernel = 1 } }]"), {1, 128, 128});
  });
  EXPECT_EQ(msg.rfind("exp.toml:2: model.encoder[0] (conv2d): output 128x128x30000 of input "
                      "128x128x1 = 491520000 values per image, more than the 268435456",
                      0),
            0u)
      << msg;
  msg = error_of([] {
    model_from(doc_with_encoder("[{ upsample = { scale = 100000 } }]"), {1, 28, 28});
  });
  EXPECT_EQ(msg.rfind("exp.toml:2: model.encoder[0] (upsample): output 2800000x2800000x1 of input "
                      "28x28x1 = 7840000000000 values per image",
                      0),
            0u)
      << msg;
  // A VAE's mean head is a dense layer as well.
  msg = error_of([] {
    model_from(doc_with_encoder("[\"flatten\"]", "kind = \"vae\"\nlatent = 2000000000\n"),
               {1, 28, 28});
  });
  EXPECT_NE(msg.find("2000000000 units x 784 inputs = 1568000000000 weights"), std::string::npos)
      << msg;
}
