// `aelab eval` through the real binary: two tiny MNIST runs (plain and denoising) trained with
// `aelab train`, then compared under corruptions; bad command lines fail with one-line errors.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "aelab/report/font.h"
#include "aelab/report/grid.h"
#include "aelab/report/image.h"
#include "aelab/report/table.h"
#include "integration/run_aelab.h"
#include "test_paths.h"

namespace {

namespace fs = std::filesystem;
using aelab::testing::shared_data_dir;
using aelab::testing::source_dir;

std::string quote(const std::string& s) { return "'" + s + "'"; }

// Runs `aelab --quiet --data-dir <shared data> <args>`.
aelab::testing::CommandResult aelab(const std::string& args) {
  return aelab::testing::run_aelab("--quiet --data-dir " + quote(shared_data_dir().string()) +
                                   " " + args);
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

std::vector<std::string> split(const std::string& line, char sep) {
  std::vector<std::string> fields;
  std::stringstream in(line);
  for (std::string f; std::getline(in, f, sep);) fields.push_back(f);
  return fields;
}

// Tiny runs: 500 training images, 200 test images, one epoch of a dense ED-8 network.
std::string tiny_train(const std::string& config, const fs::path& out, const std::string& extra) {
  return "train " + quote((source_dir() / "configs" / config).string()) + " --out " +
         quote(out.string()) +
         " --set data.train_subset=500 --set data.test_subset=200 --set train.epochs=1"
         " --set params.latent=8 --set train.device=cpu " + extra;
}

class EvalCli : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    root_ = aelab::testing::temp_dir("integration-eval");
    auto plain = aelab(tiny_train("mnist_dense3.toml", root_ / "plain", ""));
    ASSERT_EQ(plain.exit_code, 0) << plain.output;
    auto denoise = aelab(tiny_train("mnist_dense3.toml", root_ / "denoise",
                                    "--set task.kind=denoise --set task.corruption=gaussian:0.5"));
    ASSERT_EQ(denoise.exit_code, 0) << denoise.output;
  }
  static fs::path root_;
};
fs::path EvalCli::root_;

TEST_F(EvalCli, ComparesRunsUnderCorruptionsAndWritesTableAndPictures) {
  auto report = root_ / "report";
  auto r = aelab("eval " + quote((root_ / "plain").string()) + " " +
                 quote((root_ / "denoise").string()) +
                 " --noise original,gaussian:0.5,occlusion:14 --n 100 --out " +
                 quote(report.string()));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("mse (input)"), std::string::npos) << r.output;  // the table as text

  ASSERT_TRUE(fs::exists(report / "robustness.md"));
  std::ifstream csv_file(report / "robustness.csv");
  std::stringstream csv;
  csv << csv_file.rdbuf();
  auto lines = lines_of(csv.str());
  ASSERT_EQ(lines.size(), 4u) << csv.str();  // header + 3 corruptions
  EXPECT_EQ(lines[0],
            "corruption,mse (input),mse plain,mse denoise,psnr (input),psnr plain,psnr denoise,"
            "ssim (input),ssim plain,ssim denoise");
  const std::vector<std::string> specs{"original", "gaussian:0.5", "occlusion:14"};
  for (size_t i = 0; i < 3; ++i) {
    auto fields = split(lines[i + 1], ',');
    ASSERT_EQ(fields.size(), 10u) << lines[i + 1];
    EXPECT_EQ(fields[0], specs[i]);
    for (size_t f = 1; f < fields.size(); ++f) {
      double v = std::stod(fields[f]);
      EXPECT_GE(v, 0.0) << lines[i + 1];
      if (f >= 7) {
        EXPECT_LE(v, 1.0) << "SSIM above 1: " << lines[i + 1];
      }
    }
  }
  // Even after one epoch the denoising run is closer to the clean images on gaussian:0.5 input.
  auto noisy = split(lines[2], ',');
  EXPECT_LT(std::stod(noisy[3]), std::stod(noisy[2])) << lines[2];

  // One picture per corruption: input row, one row per run, clean row; 10 tiles of 28 px at
  // scale 3 with padding 2, run names and specs as labels at text scale 2, under a title with
  // the spec and the PSNR and SSIM of the table's row (input, plain, denoise).
  auto f = [](const std::string& field) {
    return aelab::report::format_number(std::stod(field), 3);
  };
  const std::vector<aelab::report::Image> tiles(10, aelab::report::make_image(28, 28, 1));
  for (size_t i = 0; i < specs.size(); ++i) {
    std::string name = specs[i];
    std::replace(name.begin(), name.end(), ':', '-');
    auto file = report / ("robustness-" + name + ".png");
    ASSERT_TRUE(fs::exists(file)) << file;
    auto png = aelab::report::read_png(file);
    auto v = split(lines[i + 1], ',');
    aelab::report::GridOptions grid;
    grid.scale = 3;
    grid.row_labels = {specs[i], "plain", "denoise", "clean"};
    grid.title = "Robustness to " + specs[i] + ": 10 of 100 test images, means over all\n" +
                 "PSNR: input " + f(v[4]) + " dB, plain " + f(v[5]) + " dB, denoise " + f(v[6]) +
                 " dB\nSSIM: input " + f(v[7]) + ", plain " + f(v[8]) + ", denoise " + f(v[9]);
    auto layout = aelab::report::grid_layout({tiles, tiles, tiles, tiles}, grid);
    const int line = aelab::report::text_height(2);
    EXPECT_EQ(layout.title_band, 3 * line + 2);
    EXPECT_EQ(png.height, 3 * line + 2 + 4 * (84 + 2) + 2) << file;
    EXPECT_EQ(png.width, layout.width) << file;
    // Dark title pixels in each of the three title lines, white between title and tiles.
    for (int l = 0; l < 3; ++l) {
      int ink = 0;
      for (int y = 2 + l * line; y < 2 + (l + 1) * line; ++y) {
        for (int x = 0; x < png.width; ++x) ink += png.at(x, y)[0] < 128;
      }
      EXPECT_GT(ink, 100) << file << ", title line " << l;
    }
  }
}

TEST_F(EvalCli, WithoutNoiseReportsTestLossPsnrAndSsimPerRun) {
  auto r = aelab("eval " + quote((root_ / "plain").string()) + " " +
                 quote((root_ / "denoise").string()));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  auto lines = lines_of(r.output);
  ASSERT_EQ(lines.size(), 2u) << r.output;
  for (const auto& line : lines) {
    EXPECT_NE(line.find("psnr"), std::string::npos) << line;
    EXPECT_NE(line.find("ssim"), std::string::npos) << line;
    EXPECT_NE(line.find("(200 images)"), std::string::npos) << line;
  }
}

TEST_F(EvalCli, UnknownCorruptionIsAOneLineErrorNamingTheSpec) {
  auto r = aelab("eval " + quote((root_ / "plain").string()) + " --noise original,blur:3 --out " +
                 quote((root_ / "never").string()));
  EXPECT_NE(r.exit_code, 0);
  auto lines = lines_of(r.output);
  ASSERT_EQ(lines.size(), 1u) << r.output;
  EXPECT_EQ(lines[0].rfind("aelab: corruption \"blur:3\"", 0), 0u) << lines[0];
  EXPECT_FALSE(fs::exists(root_ / "never"));
}

TEST_F(EvalCli, AFolderThatIsNotARunIsRefused) {
  auto empty = root_ / "empty";
  fs::create_directories(empty);
  auto r = aelab("eval " + quote((root_ / "plain").string()) + " " + quote(empty.string()) +
                 " --noise original");
  EXPECT_NE(r.exit_code, 0);
  auto lines = lines_of(r.output);
  ASSERT_EQ(lines.size(), 1u) << r.output;
  EXPECT_NE(lines[0].find(empty.string() + ": not a run folder (no experiment.toml)"),
            std::string::npos)
      << lines[0];
}

TEST_F(EvalCli, RunsOnDifferentDatasetsAreRefused) {
  // Fashion-MNIST is not under the shared --data-dir: data.path names Debian's copy.
  auto fashion = aelab(tiny_train("fashion_mnist_dense3.toml", root_ / "fashion",
                                  "--set data.path=/usr/share/datasets/fashion-mnist"));
  ASSERT_EQ(fashion.exit_code, 0) << fashion.output;
  auto r = aelab("eval " + quote((root_ / "plain").string()) + " " +
                 quote((root_ / "fashion").string()) + " --noise original");
  EXPECT_NE(r.exit_code, 0);
  auto lines = lines_of(r.output);
  ASSERT_EQ(lines.size(), 1u) << r.output;
  EXPECT_NE(lines[0].find("trained on fashion-mnist, but"), std::string::npos) << lines[0];
}

TEST_F(EvalCli, TooManyTestImagesIsRefused) {
  auto r = aelab("eval " + quote((root_ / "plain").string()) + " --noise original --n 5000");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.output.find("--n 5000: the test split has only 200 images"), std::string::npos)
      << r.output;
}

// --examples 0 means the tables only: no picture is written, and the summary line says so.
TEST_F(EvalCli, ZeroExamplesWritesTablesAndNoPictures) {
  auto report = root_ / "report-no-pictures";
  auto r = aelab("eval " + quote((root_ / "plain").string()) +
                 " --noise original,gaussian:0.5 --n 50 --examples 0 --out " +
                 quote(report.string()));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("robustness.csv and no pictures (--examples 0)"), std::string::npos)
      << r.output;
  EXPECT_TRUE(fs::exists(report / "robustness.csv"));
  for (const auto& entry : fs::directory_iterator(report)) {
    EXPECT_NE(entry.path().extension(), ".png") << entry.path();
  }
  r = aelab("eval " + quote((root_ / "plain").string()) + " --noise original --examples -1");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.output, "aelab: --examples -1: expected a count >= 0\n");
}

}  // namespace
