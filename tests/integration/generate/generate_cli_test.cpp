// `aelab sample`, `aelab interpolate` and `aelab latent` as a user runs them: the real binary on
// small real runs (a VAE on 2000 MNIST images and a plain convolutional autoencoder on 2000
// Fashion-MNIST images, five epochs each; 300 test images).
#include <gtest/gtest.h>

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>
#include <nlohmann/json.hpp>

#include "aelab/report/gnuplot.h"
#include "aelab/report/grid.h"
#include "aelab/report/image.h"
#include "run_aelab.h"
#include "test_paths.h"

using aelab::testing::count_lines;
using aelab::testing::read_text;
using aelab::testing::run_aelab;
namespace fs = std::filesystem;

namespace {

// Five epochs on 2000 images (~10 s for the VAE): after one epoch on 500 every decoded tile was
// flat gray (PSNR 7 dB), which the old "some pixel is bright" check passed on the padding alone.
const std::string kTiny = " --set data.train_subset=2000 --set data.test_subset=300"
                          " --set train.epochs=5 --set train.lr=3e-3 --set train.device=cpu";

// CTest runs every test in its own process: the first one trains the run, the others reuse it.
// Training goes into a folder of its own and is renamed into place, so tests run in parallel
// never see half a run. The folder is named after the binary's build time: a rebuilt aelab
// trains afresh.
fs::path trained_run(const std::string& config, const std::string& name) {
  auto built = fs::last_write_time(AELAB_BINARY).time_since_epoch().count();
  auto root = fs::temp_directory_path() /
              ("aelab-test-cli-generate-" + name + "-" + std::to_string(built));
  auto dir = root / "run";
  if (fs::exists(dir / "summary.json")) return dir;
  fs::create_directories(root);
  auto mine = root / ("run-" + std::to_string(::getpid()));
  fs::remove_all(mine);
  auto file = aelab::testing::source_dir() / "configs" / config;
  auto r = run_aelab("-q train " + file.string() + " --out " + mine.string() + kTiny);
  EXPECT_EQ(r.exit_code, 0) << r.output;
  std::error_code ec;
  fs::rename(mine, dir, ec);  // fails when another process got there first: use its run
  if (ec) fs::remove_all(mine);
  return dir;
}

const fs::path& vae_run() {
  static const fs::path dir = trained_run("mnist_vae.toml", "vae");
  return dir;
}

const fs::path& ae_run() {
  static const fs::path dir = trained_run("fashion_mnist_cae.toml", "ae");
  return dir;
}

// The grid the commands draw (cmd_generate.cpp: 28-pixel tiles get GridOptions scale 2, the
// default padding 2, a two-line title and, for interpolations, column labels). From
// report/grid.h: the tiles fill the bottom of the picture, rows * (cell + P) + P high, centered
// in its width (a title wider than the tiles widens the picture); cell = 28 * scale.
const int kPad = aelab::report::GridOptions().padding;
constexpr int kCell = 28 * 2;
constexpr int kBright = 96;
// Shares of a decoded tile's pixels that must be dark (< 64) and bright (> kBright = 96).
// Measured (AELAB_TEST_PRINT_TILES=1 prints them): dark 0.67-0.83 in VAE samples, 0.075-0.59 in
// Fashion-MNIST AE samples (a pullover fills its tile), 0.66-0.88 in interpolations; bright
// 0.096-0.24 (VAE), 0.24-0.60 (AE), 0.028-0.24 (interpolation steps). Flat gray, black or white
// tiles, or tiles placed off the computed geometry, fail one of the two.
constexpr double kMinDark = 0.03, kMinBright = 0.01;
int grid_side(int tiles) { return tiles * (kCell + kPad) + kPad; }

// Where the tiles of a rows x columns grid sit in the picture.
struct TileGrid {
  int rows = 0, columns = 0;
  int left = 0, top = 0;  // x of the first tile minus P, y of the first tile minus P
  int x(int column) const { return left + kPad + column * (kCell + kPad); }
  int y(int row) const { return top + kPad + row * (kCell + kPad); }
};
TileGrid tile_grid(const aelab::report::Image& png, int rows, int columns) {
  TileGrid g{rows, columns};
  g.left = (png.width - grid_side(columns)) / 2;
  g.top = png.height - grid_side(rows);
  return g;
}

// Pixel counts inside one tile of the grid (the padding around it is not counted).
struct TileStats {
  int dark = 0;    // < 64
  int bright = 0;  // > kBright
  int max = 0;
  int background = 0;  // exactly the grid's background, 255
  int pixels = 0;
};

TileStats tile_stats(const aelab::report::Image& png, const TileGrid& g, int row, int col) {
  TileStats s;
  const int x0 = g.x(col), y0 = g.y(row);
  for (int y = y0; y < y0 + kCell; ++y) {
    for (int x = x0; x < x0 + kCell; ++x) {
      const uint8_t v = png.at(x, y)[0];
      s.dark += v < 64;
      s.bright += v > kBright;
      s.max = std::max<int>(s.max, v);
      s.background += v == 255;
      ++s.pixels;
    }
  }
  return s;
}

// Dark (text) pixels in the band above the tiles: the title and column labels.
int title_ink(const aelab::report::Image& png, const TileGrid& g) {
  int ink = 0;
  for (int y = 0; y < g.top; ++y) {
    for (int x = 0; x < png.width; ++x) ink += png.at(x, y)[0] < 100;
  }
  return ink;
}

// Every filled tile holds a decoded picture: a dark background with bright strokes (MNIST and
// Fashion-MNIST are light objects on black), not the grid's white padding nor a flat tile.
// Cells past `filled` stay the background. Minimum shares measured as described at the callers.
void expect_decoded_tiles(const aelab::report::Image& png, const TileGrid& g, int filled,
                          double min_dark, double min_bright) {
  for (int i = 0; i < g.rows * g.columns; ++i) {
    const int row = i / g.columns, col = i % g.columns;
    TileStats s = tile_stats(png, g, row, col);
    SCOPED_TRACE("tile " + std::to_string(i) + " (row " + std::to_string(row) + ", column " +
                 std::to_string(col) + "): " + std::to_string(s.dark) + " dark, " +
                 std::to_string(s.bright) + " bright of " + std::to_string(s.pixels));
    if (std::getenv("AELAB_TEST_PRINT_TILES")) {
      std::printf("tile %d: dark %.3f bright %.3f max %d\n", i, double(s.dark) / s.pixels,
                  double(s.bright) / s.pixels, s.max);
    }
    if (i < filled) {
      EXPECT_GE(s.dark, min_dark * s.pixels);
      EXPECT_GE(s.bright, min_bright * s.pixels);
    } else {
      EXPECT_EQ(s.background, s.pixels);  // an empty cell
    }
  }
}

}  // namespace

TEST(CliGenerate, VaeSamplesFromThePriorIntoAGrid) {
  auto out = vae_run().parent_path() / "x.png";
  auto r = run_aelab("sample " + vae_run().string() + " --n 16 --out " + out.string());
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("16 samples from the prior N(0, I)"), std::string::npos) << r.output;
  auto png = aelab::report::read_png(out);
  EXPECT_GE(png.width, grid_side(8));   // 8 per row (wider when the title is)
  EXPECT_GT(png.height, grid_side(2));  // 16 / 8 rows under a title of two lines
  EXPECT_LT(png.height, grid_side(2) + 70);
  const TileGrid grid = tile_grid(png, 2, 8);
  EXPECT_GT(title_ink(png, grid), 300) << "the title says what the samples are";
  // Decoded digits are not blank: dark and bright pixels inside every tile.
  expect_decoded_tiles(png, grid, 16, kMinDark, kMinBright);
  // Same seed, same picture; the default goes into the run folder.
  auto again = run_aelab("sample " + vae_run().string() + " --n 16 --seed 0");
  ASSERT_EQ(again.exit_code, 0) << again.output;
  EXPECT_EQ(aelab::report::read_png(vae_run() / "samples.png").pixels, png.pixels);
}

TEST(CliGenerate, PlainAutoencoderSamplesFromAFittedGaussian) {
  auto r = run_aelab("sample " + ae_run().string() + " --n 10");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  // 2000 drawn, 10% held out for validation: 1800 training codes.
  EXPECT_NE(r.output.find("a Gaussian fitted to 1800 training codes"), std::string::npos)
      << r.output;
  auto png = aelab::report::read_png(ae_run() / "samples.png");
  EXPECT_GE(png.width, grid_side(8));
  EXPECT_GT(png.height, grid_side(2));  // a second, partly filled row
  const TileGrid grid = tile_grid(png, 2, 8);
  EXPECT_GT(title_ink(png, grid), 300);
  expect_decoded_tiles(png, grid, 10, kMinDark, kMinBright);
}

TEST(CliGenerate, InterpolateWritesOriginalsAroundTheDecodedSteps) {
  auto r = run_aelab("interpolate " + vae_run().string() + " --from 0 --to 1 --steps 5");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  auto png = aelab::report::read_png(vae_run() / "interpolation-0-1.png");
  EXPECT_GE(png.width, grid_side(7));  // original, 5 steps, original
  EXPECT_GT(png.height, grid_side(1));  // under a title and a row of column labels
  ASSERT_EQ(png.channels, 3);           // the framed ends make it RGB
  const TileGrid grid = tile_grid(png, 1, 7);
  expect_decoded_tiles(png, grid, 7, kMinDark, kMinBright);
  EXPECT_GT(title_ink(png, grid), 300);
  // The two real test images are framed in orange (#ff7f0e) in the padding around them; the
  // decoded steps between them are not.
  auto orange = [&](int x, int y) {
    const uint8_t* p = png.at(x, y);
    return p[0] == 0xff && p[1] == 0x7f && p[2] == 0x0e;
  };
  const int mid_y = grid.y(0) + kCell / 2;
  EXPECT_TRUE(orange(grid.x(0) - 1, mid_y));
  EXPECT_TRUE(orange(grid.x(6) + kCell, mid_y));
  EXPECT_TRUE(orange(grid.x(6) + kCell / 2, grid.y(0) + kCell));  // below the last one
  EXPECT_FALSE(orange(grid.x(3) + kCell / 2, grid.y(0) + kCell));  // below a decoded step
  EXPECT_FALSE(orange(grid.x(3) + kCell / 2, grid.y(0) - 1));
}

TEST(CliGenerate, LatentPcaWritesPointsFiguresAndPlot) {
  auto out = vae_run().parent_path() / "latent";
  auto r = run_aelab("latent " + vae_run().string() + " --method pca --n 300 --out " + out.string());
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("trustworthiness(k=10)"), std::string::npos) << r.output;
  auto csv = read_text(out / "latent-pca.csv");
  EXPECT_EQ(count_lines(csv), 301);  // header + 300 points
  EXPECT_EQ(csv.substr(0, 10), "x,y,label\n");
  auto json = nlohmann::json::parse(read_text(out / "latent-pca.json"));
  EXPECT_EQ(json["points"], 300);
  EXPECT_EQ(json["code_dims"], 16);
  // A random 2-D map of any codes scores about 0.49 here (1 - (n - k) / (2n - 3k - 1) for n = 300,
  // k = 10; tests/unit/analysis/quality_test.cpp measures ~0.5). The PCA map of this run's codes
  // measured 0.893; with train.seed 1 and 2, 0.994 and 0.880; after one epoch on 500 images, 0.793.
  double t = json["trustworthiness"].get<double>();
  EXPECT_GT(t, 0.75);
  EXPECT_LE(t, 1.0);
  double acc = json["knn_accuracy"].get<double>();
  // Ten digit classes: chance is about 0.1. Measured 0.41 (train.seed 1, 2: 0.29, 0.37).
  EXPECT_GT(acc, 0.15);
  ASSERT_EQ(json["explained_variance_ratio"].size(), 2u);
  EXPECT_TRUE(json["kl_divergence"].is_null());
}

TEST(CliGenerate, LatentPcaPlotIsDrawnWhenGnuplotIsThere) {
  if (aelab::report::gnuplot::executable().empty()) {
    GTEST_SKIP() << "gnuplot not found (PATH, or AELAB_GNUPLOT): latent-pca.png is not drawn";
  }
  auto out = vae_run().parent_path() / "latent-plot";
  fs::remove_all(out);
  auto r = run_aelab("latent " + vae_run().string() + " --method pca --n 300 --out " + out.string());
  ASSERT_EQ(r.exit_code, 0) << r.output;
  ASSERT_TRUE(fs::exists(out / "latent-pca.png")) << r.output;
  EXPECT_NE(r.output.find("wrote " + (out / "latent-pca.png").string()), std::string::npos)
      << r.output;
  auto png = aelab::report::read_png(out / "latent-pca.png");
  EXPECT_EQ(png.width, 1000);  // ScatterPlot's default width; equal axes may make it lower
  EXPECT_LE(png.height, 900);
  EXPECT_GE(png.height, 320);
  // The vector copy (PDF, else SVG) lies next to it.
  EXPECT_TRUE(fs::exists(aelab::report::gnuplot::vector_path(out / "latent-pca.png")));
}

TEST(CliGenerate, LatentTsneReportsKl) {
  auto r = run_aelab("latent " + vae_run().string() + " --method tsne --n 300 --iterations 250");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  auto json = nlohmann::json::parse(read_text(vae_run() / "latent-tsne.json"));
  EXPECT_EQ(json["method"], "tsne");
  EXPECT_EQ(json["iterations"], 250);
  EXPECT_GT(json["kl_divergence"].get<double>(), 0.0);
  EXPECT_EQ(count_lines(read_text(vae_run() / "latent-tsne.csv")), 301);
}

TEST(CliGenerate, LatentTsneTakesLearningRateAndInit) {
  auto out = vae_run().parent_path() / "latent-options";
  auto r = run_aelab("-q latent " + vae_run().string() +
                     " --method tsne --n 200 --iterations 260 --learning-rate 120 --init random"
                     " --out " + out.string());
  ASSERT_EQ(r.exit_code, 0) << r.output;
  auto json = nlohmann::json::parse(read_text(out / "latent-tsne.json"));
  EXPECT_EQ(json["learning_rate"], 120.0);
  EXPECT_EQ(json["init"], "random");
  EXPECT_EQ(json["points"], 200);

  r = run_aelab("latent " + vae_run().string() + " --method tsne --learning-rate fast");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.output, "aelab: --learning-rate 'fast': expected auto or a number > 0\n");
  r = run_aelab("latent " + vae_run().string() + " --method tsne --init spectral");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.output, "aelab: --init 'spectral' is not a t-SNE start (expected pca, random or a "
                      "latent-tsne.csv file)\n");
}

// A map made once can seed a new one (--init MAP.csv) or take new points without moving
// (--tsne-from MAP.csv): the way a figure stays comparable across runs.
TEST(CliGenerate, LatentTsneStartsFromOrPlacesIntoAGivenMap) {
  auto base = vae_run().parent_path();
  auto first = base / "latent-first", seeded = base / "latent-seeded", placed = base / "latent-placed";
  auto r = run_aelab("-q latent " + vae_run().string() +
                     " --method tsne --n 200 --iterations 1000 --tsne-method barnes-hut --out " +
                     first.string());
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find(", barnes-hut, KL "), std::string::npos) << r.output;
  auto first_json = nlohmann::json::parse(read_text(first / "latent-tsne.json"));
  EXPECT_EQ(first_json["tsne_method"], "barnes-hut");
  const auto map = (first / "latent-tsne.csv").string();

  r = run_aelab("-q latent " + vae_run().string() + " --method tsne --n 200 --iterations 1000"
                " --tsne-method exact --init " + map + " --out " + seeded.string());
  ASSERT_EQ(r.exit_code, 0) << r.output;
  auto seeded_json = nlohmann::json::parse(read_text(seeded / "latent-tsne.json"));
  EXPECT_EQ(seeded_json["init"], "given positions");
  EXPECT_EQ(seeded_json["tsne_method"], "exact");
  // Started from a converged map, the new one is at least as good (a little slack for the
  // early-exaggeration phase it goes through again).
  EXPECT_LT(seeded_json["kl_divergence"].get<double>(),
            first_json["kl_divergence"].get<double>() * 1.1);

  r = run_aelab("-q latent " + vae_run().string() + " --method tsne --n 260 --tsne-from " + map +
                " --out " + placed.string());
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("placed into " + map + " (200 reference points), mean KL "),
            std::string::npos)
      << r.output;
  auto placed_json = nlohmann::json::parse(read_text(placed / "latent-tsne.json"));
  EXPECT_EQ(placed_json["tsne_method"], "transform");
  EXPECT_EQ(placed_json["points"], 260);
  // The map is a converged one (1000 steps, 250 of them exaggerated): a map cut short after the
  // exaggeration phase still has its clusters squeezed, and points placed into it by their
  // un-exaggerated affinities land elsewhere (median 0.33 of the map's radius on one CPU).
  // Every code is placed into the fixed map (a reference image's own row left out of its
  // affinities), so a reference image lands near where the map had it and a new image next to
  // reference images of its own class.
  struct Point {
    double x = 0, y = 0;
    long label = 0;
  };
  auto points_of = [](const std::string& text) {
    std::vector<Point> points;
    std::istringstream in(text);
    std::string line;
    std::getline(in, line);  // header
    while (std::getline(in, line)) {
      Point p;
      if (std::sscanf(line.c_str(), "%lf,%lf,%ld", &p.x, &p.y, &p.label) == 3) points.push_back(p);
    }
    return points;
  };
  auto given = points_of(read_text(first / "latent-tsne.csv"));
  auto out = points_of(read_text(placed / "latent-tsne.csv"));
  ASSERT_EQ(given.size(), 200u);
  ASSERT_EQ(out.size(), 260u);
  double spread = 0;
  for (const auto& p : given) spread = std::max(spread, std::hypot(p.x, p.y));
  // The share of points whose nearest other reference point has their class.
  auto nearest_same_class = [&](const std::vector<Point>& points) {
    int same = 0;
    for (size_t i = 0; i < points.size(); ++i) {
      size_t nearest = 0;
      double best = 1e300;
      for (size_t j = 0; j < given.size(); ++j) {
        double d = std::hypot(points[i].x - given[j].x, points[i].y - given[j].y);
        if (j != i && d < best) best = d, nearest = j;
      }
      same += given[nearest].label == points[i].label;
    }
    return static_cast<double>(same) / static_cast<double>(points.size());
  };
  std::vector<double> moved;
  for (size_t i = 0; i < given.size(); ++i) {
    moved.push_back(std::hypot(out[i].x - given[i].x, out[i].y - given[i].y));
  }
  std::nth_element(moved.begin(), moved.begin() + moved.size() / 2, moved.end());
  const double in_map = nearest_same_class(given), placed_share = nearest_same_class(out);
  EXPECT_LT(moved[moved.size() / 2], 0.2 * spread) << "the map spans " << spread;
  EXPECT_GT(placed_share, 0.8 * in_map) << "1-NN class agreement in the map itself " << in_map;
}

TEST(CliGenerate, BadMapFilesAndTsneMethodsAreOneLineErrors) {
  auto dir = aelab::testing::temp_dir("cli-latent-bad-maps");
  std::ofstream(dir / "bad-row.csv") << "x,y,label\n1.5,2,3\n0.25,oops,1\n";
  std::ofstream(dir / "no-header.csv") << "1,2,3\n";
  std::ofstream(dir / "three.csv") << "x,y,label\n1,2,0\n3,4,1\n5,6,2\n";
  const std::string latent = "latent " + vae_run().string() + " --method tsne ";
  auto r = run_aelab(latent + "--init " + (dir / "bad-row.csv").string());
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.output, "aelab: --init " + (dir / "bad-row.csv").string() +
                          ":3: expected two finite numbers x,y, got '0.25,oops,1'\n");
  r = run_aelab(latent + "--tsne-from " + (dir / "no-header.csv").string());
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.output, "aelab: --tsne-from " + (dir / "no-header.csv").string() +
                          ":1: expected the header x,y,label\n");
  r = run_aelab(latent + "--tsne-method quick");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.output,
            "aelab: --tsne-method: t-SNE method 'quick' is not one of auto, exact, barnes-hut, "
            "fft\n");
  r = run_aelab(latent + "--init " + (dir / "three.csv").string() + " --tsne-from " +
                (dir / "three.csv").string());
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(count_lines(r.output), 1) << r.output;
  EXPECT_NE(r.output.find("exclude each other"), std::string::npos) << r.output;
  r = run_aelab("-q " + latent + "--n 50 --init " + (dir / "three.csv").string());
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(aelab::testing::last_line(r.output),
            "aelab: --init " + (dir / "three.csv").string() +
                ": holds 3 positions for the 50 codes mapped (use --n 3, or a map of the same "
                "images)")
      << r.output;
  r = run_aelab("-q " + latent + "--n 2 --tsne-from " + (dir / "three.csv").string());
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(aelab::testing::last_line(r.output).find("holds 3 points, more than the 2 codes mapped"),
            std::string::npos)
      << r.output;
  r = run_aelab(latent.substr(0, latent.find("--method")) + "--method pca --tsne-from " +
                (dir / "three.csv").string());
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.output, "aelab: --init FILE and --tsne-from are t-SNE options (use --method tsne)\n");
}

TEST(CliGenerate, BadInputIsAOneLineError) {
  auto r = run_aelab("latent " + vae_run().string() + " --method umap");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.output, "aelab: --method 'umap' is not a latent map method (expected pca or tsne)\n");

  r = run_aelab("-q interpolate " + vae_run().string() + " --from 300 --to 1");
  EXPECT_EQ(r.exit_code, 1);
  // The error is the last line (the data loading may log before it).
  EXPECT_EQ(aelab::testing::last_line(r.output),
            "aelab: --from 300 is not a test image: the test set has 300 images (0..299)")
      << r.output;

  r = run_aelab("sample " + vae_run().string() + " --n 0");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.output, "aelab: --n must be at least 1, got 0\n");

  r = run_aelab("sample /nonexistent/run");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(count_lines(r.output), 1) << r.output;
  EXPECT_NE(r.output.find("/nonexistent/run: not a run folder"), std::string::npos) << r.output;
}

// One-line errors of the command line itself (main.cpp, cmd_summary.cpp); no run needed.
TEST(CliCommandLine, UnknownCommandSuggestsTheNearestOne) {
  auto r = run_aelab("trian configs/x.toml");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.output, "aelab: unknown command \"trian\"; did you mean train?\n");
  r = run_aelab("-q --data-dir /tmp sumary x.toml");  // global options before the command
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.output, "aelab: unknown command \"sumary\"; did you mean summary?\n");
  r = run_aelab("frobnicate");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(count_lines(r.output), 1) << r.output;
  EXPECT_EQ(r.output.rfind("aelab: unknown command \"frobnicate\" (commands: train, summary,", 0),
            0u)
      << r.output;
}

TEST(CliCommandLine, SummaryRefusesADirectoryBadShapesAndHugeLayers) {
  auto configs = aelab::testing::source_dir() / "configs";
  auto r = run_aelab("summary " + configs.string());
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.output, "aelab: " + configs.string() +
                          ": is a directory; summary needs an experiment file (.toml)\n");
  auto file = (configs / "mnist_vae.toml").string();
  for (const std::string shape : {"-1 28 28", "-1,28,28", "1,0,28"}) {
    r = run_aelab("summary " + file + " --shape " + shape);
    EXPECT_EQ(r.exit_code, 1) << shape;
    EXPECT_EQ(count_lines(r.output), 1) << r.output;
    EXPECT_NE(r.output.find(": every size must be at least 1 (channels,height,width)"),
              std::string::npos)
        << r.output;
  }
  auto dir = aelab::testing::temp_dir("cli-summary-huge");
  std::ofstream(dir / "huge.toml") << "[data]\ndataset = \"mnist\"\n[model]\n"
                                      "encoder = [\"flatten\", { dense = { units = 1000000000 } }]\n";
  r = run_aelab("summary " + (dir / "huge.toml").string());
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(count_lines(r.output), 1) << r.output;
  EXPECT_NE(r.output.find("model.encoder[1] (dense): 1000000000 units x 784 inputs = "
                          "784000000000 weights, more than the 1073741824"),
            std::string::npos)
      << r.output;
}
