// Figures fit for a paper: every plot kind drawn from fixed data has the asked size, text where
// its title and axis labels go, and a PDF copy that opens (pdfinfo) with the same page size; loss
// curves carry enough tick labels, scatter maps let overlapping classes show through, parallel
// coordinates label categorical axes and keep their titles inside the picture.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <set>
#include <sstream>

#include "aelab/core/error.h"
#include "aelab/report/gnuplot.h"
#include "aelab/report/image.h"
#include "aelab/report/names.h"
#include "aelab/report/plot.h"
#include "test_paths.h"

namespace aelab::report {
namespace {

namespace fs = std::filesystem;

#define REQUIRE_GNUPLOT() \
  if (!plotting_available()) GTEST_SKIP() << "gnuplot is not installed; plot not drawn"

// Text is drawn in near-black (#202020 for tick labels, black for titles); lines and markers use
// the palette, so dark neutral pixels in a region are its text.
bool is_text(const uint8_t* p, int channels) {
  if (channels < 3) return p[0] < 90;
  const int lo = std::min({p[0], p[1], p[2]}), hi = std::max({p[0], p[1], p[2]});
  return hi < 110 && hi - lo < 30;
}

// Text pixels in the rectangle [x0, x1) x [y0, y1) given as fractions of the picture.
size_t text_pixels(const Image& image, double x0, double y0, double x1, double y1) {
  size_t count = 0;
  for (int y = static_cast<int>(y0 * image.height); y < static_cast<int>(y1 * image.height); ++y) {
    for (int x = static_cast<int>(x0 * image.width); x < static_cast<int>(x1 * image.width); ++x) {
      count += is_text(image.at(x, y), image.channels);
    }
  }
  return count;
}

// Runs pdfinfo on `pdf`; returns its output, or "" when pdfinfo is not installed.
std::string pdfinfo(const fs::path& pdf) {
  if (std::system("command -v pdfinfo > /dev/null 2>&1") != 0) return "";
  const fs::path out = pdf.string() + ".info";
  const std::string command = "pdfinfo '" + pdf.string() + "' > '" + out.string() + "' 2>&1";
  const int status = std::system(command.c_str());
  std::ifstream in(out);
  std::stringstream text;
  text << "\n" << in.rdbuf();  // every field starts after a line break
  return status == 0 ? text.str() : "pdfinfo failed: " + text.str();
}

// The PNG has the asked size and a title, and its vector copy is a one-page PDF of the same
// size in points (or an SVG naming the size, where gnuplot has no pdfcairo).
void expect_figure(const fs::path& png, int width, int height) {
  ASSERT_TRUE(fs::exists(png)) << png;
  const Image image = read_png(png);
  EXPECT_EQ(image.width, width) << png;
  EXPECT_EQ(image.height, height) << png;
  // The title: centered in the top band.
  EXPECT_GT(text_pixels(image, 0.25, 0.0, 0.75, 0.14), 150u) << png << ": no title";
  const fs::path vector = gnuplot::vector_path(png);
  ASSERT_FALSE(vector.empty()) << "gnuplot has neither pdfcairo nor svg";
  ASSERT_TRUE(fs::exists(vector)) << vector;
  EXPECT_FALSE(fs::exists(vector.string() + ".tmp"));
  if (vector.extension() == ".svg") {
    std::ifstream in(vector);
    std::stringstream text;
    text << in.rdbuf();
    EXPECT_NE(text.str().find("<svg"), std::string::npos) << vector;
    return;
  }
  const std::string info = pdfinfo(vector);
  if (info.empty()) {
    std::printf("pdfinfo not installed (poppler-utils): %s not opened\n", vector.c_str());
    return;
  }
  // "Pages:           1" and "Page size:       600 x 400 pts" (a point per PNG pixel).
  auto field = [&](const std::string& name) {
    const auto at = info.find("\n" + name + ":");
    if (at == std::string::npos) return std::string();
    const auto start = info.find_first_not_of(' ', at + name.size() + 2);
    return info.substr(start, info.find('\n', start) - start);
  };
  EXPECT_EQ(field("Pages"), "1") << info;
  EXPECT_EQ(field("Page size"),
            std::to_string(width) + " x " + std::to_string(height) + " pts")
      << info;
}

TEST(Figures, LossCurveHasLinesMarkersTickLabelsAndAPdf) {
  REQUIRE_GNUPLOT();
  const auto dir = testing::temp_dir("figures-lines");
  LinePlot plot;
  plot.title = "Loss per epoch, Fashion-MNIST (fmnist_cae)";
  plot.xlabel = "epoch";
  plot.ylabel = "mse loss";
  plot.log_y = true;  // 0.012 .. 0.042: gnuplot alone would label one value on this axis
  Series train{"train", {}, {}}, val{"validation", {}, {}};
  for (int e = 1; e <= 20; ++e) {
    train.x.push_back(e);
    train.y.push_back(0.012 + 0.03 * std::exp(-0.35 * e));
    val.x.push_back(e);
    val.y.push_back(0.0135 + 0.028 * std::exp(-0.3 * e));
  }
  train.markers = val.markers = true;
  plot.series = {train, val};
  plot.width = 720;
  plot.height = 480;
  ASSERT_TRUE(plot_lines(dir / "loss.png", plot));
  expect_figure(dir / "loss.png", 720, 480);
  const Image image = read_png(dir / "loss.png");
  // The y tick labels: text in the left margin at 4 or more separate heights.
  int label_rows = 0;
  bool in_label = false;
  for (int y = image.height / 10; y < image.height * 85 / 100; ++y) {
    bool text = false;
    for (int x = 15; x < 60 && !text; ++x) text = is_text(image.at(x, y), image.channels);
    label_rows += text && !in_label;
    in_label = text;
  }
  EXPECT_GE(label_rows, 4) << "y tick labels on the log axis";
  // The x label below the axis.
  EXPECT_GT(text_pixels(image, 0.35, 0.9, 0.65, 1.0), 50u);
}

TEST(Figures, LogTickValuesLabelNarrowRangesOften) {
  // Two decades: 1-2-5 steps suffice.
  EXPECT_EQ(gnuplot::log_tick_values(0.011, 0.9),
            (std::vector<double>{0.02, 0.05, 0.1, 0.2, 0.5}));
  // A factor of 3.5: 1-2-3-4-5-6-8 steps.
  const auto narrow = gnuplot::log_tick_values(0.012, 0.042);
  ASSERT_GE(narrow.size(), 4u);
  EXPECT_DOUBLE_EQ(narrow.front(), 0.015);
  EXPECT_DOUBLE_EQ(narrow.back(), 0.04);
  // A factor of 1.1: evenly spaced values, at least 4, all inside the range.
  const auto tight = gnuplot::log_tick_values(0.1600, 0.1765);
  EXPECT_GE(tight.size(), 4u);
  EXPECT_LE(tight.size(), 10u);
  for (double v : tight) {
    EXPECT_GE(v, 0.16 * (1 - 1e-9));
    EXPECT_LE(v, 0.1765);
  }
  // A constant curve still gets values around it; three decades or more: gnuplot's own.
  EXPECT_GE(gnuplot::log_tick_values(0.5, 0.5).size(), 1u);
  EXPECT_TRUE(gnuplot::log_tick_values(1e-4, 1).empty());
  EXPECT_TRUE(gnuplot::log_tick_values(0, 1).empty());
}

TEST(Figures, TickLabelsAreShortButNeverTwiceTheSame) {
  EXPECT_EQ(gnuplot::tick_labels({0.02, 0.05, 0.1, 0.2}),
            (std::vector<std::string>{"0.02", "0.05", "0.1", "0.2"}));
  // A one-epoch loss curve's axis: 3 digits would label every tick 0.157.
  const auto labels = gnuplot::tick_labels(gnuplot::log_tick_values(0.15669, 0.15724));
  ASSERT_GE(labels.size(), 4u);
  std::set<std::string> distinct(labels.begin(), labels.end());
  EXPECT_EQ(distinct.size(), labels.size()) << ::testing::PrintToString(labels);
  EXPECT_EQ(labels.front(), "0.1567");
  EXPECT_TRUE(gnuplot::tick_labels({}).empty());
}

TEST(Figures, PcaMapHasEqualAxesTranslucentMarkersAndAPdf) {
  REQUIRE_GNUPLOT();
  const auto dir = testing::temp_dir("figures-scatter");
  // Two classes drawn on exactly the same spots: opaque markers drawn class by class would
  // leave only the last class visible.
  ScatterPlot plot;
  plot.title = "PCA of 2000 Fashion-MNIST test codes (64-d)";
  plot.xlabel = "PC1 (64.2%)";
  plot.ylabel = "PC2 (9.8%)";
  plot.class_names = {"T-shirt/top", "Trouser"};
  for (int i = 0; i < 2000; ++i) {
    const double t = i / 2;  // points 2k and 2k+1 share a place
    plot.x.push_back(10 * std::sin(t * 0.37) * std::cos(t * 0.011));
    plot.y.push_back(4 * std::cos(t * 0.53));
    plot.label.push_back(i % 2);
  }
  plot.point_size = 0.8;
  plot.equal_axes = true;
  plot.width = 800;
  plot.height = 800;
  ASSERT_TRUE(plot_scatter(dir / "pca.png", plot));
  const Image image = read_png(dir / "pca.png");
  // Equal axes on a map 2.5 times as wide as high: the picture loses height, not width.
  EXPECT_EQ(image.width, 800);
  EXPECT_LT(image.height, 600);
  EXPECT_GE(image.height, 300);
  expect_figure(dir / "pca.png", 800, image.height);
  // Both classes show in the map area (the legend, right of it, is left out): blue-ish and
  // orange-ish pixels, and blends of the two where they overlap.
  size_t blue = 0, orange = 0;
  for (int y = image.height / 8; y < image.height * 7 / 8; ++y) {
    for (int x = image.width / 10; x < image.width * 7 / 10; ++x) {
      const uint8_t* p = image.at(x, y);
      blue += p[2] > p[0] + 40 && p[2] > 120;
      orange += p[0] > p[2] + 60 && p[0] > 180;
    }
  }
  EXPECT_GT(blue, 500u) << "class 0 hidden under class 1";
  EXPECT_GT(orange, 500u);
  // Axis labels: the x label below the map, the y label left of it.
  EXPECT_GT(text_pixels(image, 0.3, 0.88, 0.6, 1.0), 50u);
  EXPECT_GT(text_pixels(image, 0.0, 0.3, 0.04, 0.7), 30u);

  plot.opacity = 0;
  EXPECT_THROW(plot_scatter(dir / "bad.png", plot), Error);
}

TEST(Figures, ParallelCoordinatesLabelCategoriesAndKeepTitlesInside) {
  REQUIRE_GNUPLOT();
  const auto dir = testing::temp_dir("figures-parallel");
  ParallelCoordinates plot;
  plot.title = "Parallel coordinates (complete trials)";
  plot.axes = {"params.learning_rate", "params.latent", "train.optimizer", "params.dropout",
               "objective"};
  plot.log_scale = {true};
  plot.categories = {{}, {}, {"adam", "adamw", "sgd"}};
  plot.color_label = "objective value";
  plot.low_on_top = true;
  for (int t = 0; t < 40; ++t) {
    const double lr = std::pow(10.0, -4 + 0.06 * t), latent = 16 << (t % 3);
    const double optimizer = t % 3, dropout = 0.01 * (t % 7);
    const double value = 0.012 + 0.004 * std::fabs(std::log10(lr) + 2.7) + 0.002 * optimizer;
    plot.rows.push_back({lr, static_cast<double>(latent), optimizer, dropout, value});
    plot.color_values.push_back(value);
  }
  plot.width = 760;
  plot.height = 420;
  ASSERT_TRUE(plot_parallel_coordinates(dir / "parallel.png", plot));
  expect_figure(dir / "parallel.png", 760, 420);
  const Image image = read_png(dir / "parallel.png");
  // Axis titles below the axes, none cut off at the picture's left or right edge.
  EXPECT_GT(text_pixels(image, 0.0, 0.8, 0.25, 1.0), 100u);
  EXPECT_EQ(text_pixels(image, 0.0, 0.0, 0.004, 1.0), 0u);
  EXPECT_EQ(text_pixels(image, 0.996, 0.0, 1.0, 1.0), 0u);
  // The categorical axis (the middle one of five) has its category names beside it, at the
  // bottom, middle and top of the axis.
  for (double y : {0.72, 0.47, 0.2}) {
    EXPECT_GT(text_pixels(image, 0.30, y - 0.06, 0.47, y + 0.06), 40u) << "category at " << y;
  }

  plot.rows[5][2] = 3;  // no fourth optimizer
  std::string message;
  try {
    plot_parallel_coordinates(dir / "bad.png", plot);
  } catch (const Error& e) {
    message = e.what();
  }
  EXPECT_NE(message.find("row 5 has 3 on categorical axis 'train.optimizer', which has 3"),
            std::string::npos)
      << message;
  EXPECT_NE(message.find("bad.png"), std::string::npos) << message;
}

TEST(Figures, BarsAndHeatmapsAlsoGetAPdf) {
  REQUIRE_GNUPLOT();
  const auto dir = testing::temp_dir("figures-bars-heatmap");
  BarPlot bars;
  bars.title = "Parameter importance (fANOVA)";
  bars.ylabel = "importance";
  bars.names = {"learning_rate", "latent", "dropout"};
  bars.values = {0.7, 0.2, 0.1};
  bars.width = 640;
  bars.height = 360;
  ASSERT_TRUE(plot_bars(dir / "importance.png", bars));
  expect_figure(dir / "importance.png", 640, 360);

  Heatmap map;
  map.title = "Confusion matrix, MNIST test set";
  map.xlabel = "predicted";
  map.ylabel = "true";
  for (int r = 0; r < 4; ++r) {
    std::vector<double> row(4);
    for (int c = 0; c < 4; ++c) row[c] = r == c ? 50 : r + c;
    map.values.push_back(row);
  }
  map.width = 600;
  map.height = 520;
  ASSERT_TRUE(plot_heatmap(dir / "confusion.png", map));
  expect_figure(dir / "confusion.png", 600, 520);
  EXPECT_GT(text_pixels(read_png(dir / "confusion.png"), 0.35, 0.9, 0.65, 1.0), 50u)
      << "x label";
}

TEST(Figures, DatasetNamesAreWrittenAsPeopleWriteThem) {
  EXPECT_EQ(dataset_display_name("fashion-mnist"), "Fashion-MNIST");
  EXPECT_EQ(dataset_display_name("fashion_mnist"), "Fashion-MNIST");
  EXPECT_EQ(dataset_display_name("FashionMNIST"), "Fashion-MNIST");
  EXPECT_EQ(dataset_display_name("mnist"), "MNIST");
  EXPECT_EQ(dataset_display_name("cifar10"), "CIFAR-10");
  EXPECT_EQ(dataset_display_name("CIFAR-100"), "CIFAR-100");
  EXPECT_EQ(dataset_display_name("image-folder"), "image folder");
  EXPECT_EQ(dataset_display_name("my_faces"), "my_faces");
}

}  // namespace
}  // namespace aelab::report
