// Plots through gnuplot: each kind gives a PNG of the asked size with real content, bad input and
// gnuplot errors are aelab::Errors naming the PNG, and a missing gnuplot makes plots return false.
#include "aelab/report/plot.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <functional>
#include <set>

#include "aelab/core/error.h"
#include "aelab/report/gnuplot.h"
#include "aelab/report/image.h"
#include "test_paths.h"

namespace aelab::report {
namespace {

#define REQUIRE_GNUPLOT() \
  if (!plotting_available()) GTEST_SKIP() << "gnuplot is not installed; plot not drawn"

// Distinct colors in the picture (RGB triples or gray levels).
size_t count_colors(const Image& image) {
  std::set<uint32_t> colors;
  for (int y = 0; y < image.height; ++y) {
    for (int x = 0; x < image.width; ++x) {
      const uint8_t* p = image.at(x, y);
      uint32_t key = 0;
      for (int c = 0; c < image.channels; ++c) key = key << 8 | p[c];
      colors.insert(key);
    }
  }
  return colors.size();
}

// Pixels close to a color (within 40 per channel): finds the palette's lines and bars.
size_t count_near(const Image& image, uint8_t r, uint8_t g, uint8_t b) {
  size_t count = 0;
  for (int y = 0; y < image.height; ++y) {
    for (int x = 0; x < image.width; ++x) {
      const uint8_t* p = image.at(x, y);
      if (image.channels < 3) continue;
      if (std::abs(p[0] - r) < 40 && std::abs(p[1] - g) < 40 && std::abs(p[2] - b) < 40) ++count;
    }
  }
  return count;
}

void expect_picture(const std::filesystem::path& png, int width, int height, size_t min_colors) {
  ASSERT_TRUE(std::filesystem::exists(png)) << png;
  EXPECT_FALSE(std::filesystem::exists(png.string() + ".tmp"));
  const Image image = read_png(png);
  EXPECT_EQ(image.width, width);
  EXPECT_EQ(image.height, height);
  EXPECT_GE(count_colors(image), min_colors) << png;
}

std::string message_of(const std::function<void()>& action) {
  try {
    action();
  } catch (const Error& e) {
    return e.what();
  }
  return "(no aelab::Error thrown)";
}

TEST(Plot, LineCurvesWithLogAxisAndPoints) {
  REQUIRE_GNUPLOT();
  const auto dir = testing::temp_dir("plot-lines");
  LinePlot plot;
  plot.title = "loss_curves: 'train' vs \"val\"";  // quotes and underscores stay literal
  plot.xlabel = "epoch";
  plot.ylabel = "loss";
  plot.log_y = true;
  Series train{"train_loss", {}, {}}, val{"val_loss", {}, {}}, best{"best so far", {}, {}, true};
  for (int e = 0; e < 40; ++e) {
    train.x.push_back(e);
    train.y.push_back(0.5 * std::exp(-0.08 * e) + 0.01);
    val.y.push_back(0.55 * std::exp(-0.07 * e) + 0.02);  // x left empty: 0, 1, 2, ...
    best.x.push_back(e);
    best.y.push_back(e % 3 == 0 ? NAN : 0.3 * std::exp(-0.05 * e));
  }
  val.y[10] = 0;  // invisible on a log axis, not an error
  plot.series = {train, val, best};
  plot.width = 640;
  plot.height = 400;
  ASSERT_TRUE(plot_lines(dir / "loss.png", plot));
  expect_picture(dir / "loss.png", 640, 400, 20);
  const Image image = read_png(dir / "loss.png");
  EXPECT_GT(count_near(image, 0x1f, 0x77, 0xb4), 200u) << "first series (blue) is drawn";
  EXPECT_GT(count_near(image, 0xff, 0x7f, 0x0e), 200u) << "second series (orange) is drawn";
}

TEST(Plot, LinesWithoutDataStillGiveAPicture) {
  REQUIRE_GNUPLOT();
  const auto dir = testing::temp_dir("plot-lines-empty");
  LinePlot plot;
  plot.series = {Series{"nothing", {}, {}}, Series{"all zero", {}, {0, 0}}};
  plot.log_y = true;
  ASSERT_TRUE(plot_lines(dir / "empty.png", plot));
  expect_picture(dir / "empty.png", 900, 600, 2);
}

TEST(Plot, MismatchedSeriesNamesThePngAndSeries) {
  REQUIRE_GNUPLOT();
  const auto png = testing::temp_dir("plot-lines-bad") / "bad.png";
  LinePlot plot;
  plot.series = {Series{"val", {1, 2, 3}, {1, 2}}};
  const std::string message = message_of([&] { plot_lines(png, plot); });
  EXPECT_NE(message.find(png.string()), std::string::npos) << message;
  EXPECT_NE(message.find("'val'"), std::string::npos) << message;
  EXPECT_FALSE(std::filesystem::exists(png));
}

TEST(Plot, ScatterColorsClassesWithLegend) {
  REQUIRE_GNUPLOT();
  const auto dir = testing::temp_dir("plot-scatter");
  ScatterPlot plot;
  plot.title = "latent space (10 classes)";
  plot.class_names = {"zero", "one", "two",   "three", "four",
                      "five", "six", "seven", "eight", "nine"};
  for (int i = 0; i < 3000; ++i) {
    const int label = i % 10;
    const double angle = label * 0.628 + 0.2 * std::sin(i * 12.9898);
    const double radius = 2 + std::cos(i * 78.233);
    plot.x.push_back(radius * std::cos(angle));
    plot.y.push_back(radius * std::sin(angle));
    plot.label.push_back(label);
  }
  plot.point_size = 0.6;
  ASSERT_TRUE(plot_scatter(dir / "latent.png", plot));
  expect_picture(dir / "latent.png", 1000, 900, 30);
  const Image image = read_png(dir / "latent.png");
  EXPECT_GT(count_near(image, 0x2c, 0xa0, 0x2c), 50u) << "class 2 (green) is drawn";
  EXPECT_GT(count_near(image, 0x94, 0x67, 0xbd), 50u) << "class 4 (purple) is drawn";
}

TEST(Plot, ScatterLabelCountMustMatch) {
  REQUIRE_GNUPLOT();
  const auto png = testing::temp_dir("plot-scatter-bad") / "bad.png";
  ScatterPlot plot;
  plot.x = {1, 2, 3};
  plot.y = {1, 2, 3};
  plot.label = {0, 1};
  const std::string message = message_of([&] { plot_scatter(png, plot); });
  EXPECT_NE(message.find(png.string()), std::string::npos) << message;
  EXPECT_NE(message.find("2 labels for 3 points"), std::string::npos) << message;
}

TEST(Plot, HorizontalAndVerticalBars) {
  REQUIRE_GNUPLOT();
  const auto dir = testing::temp_dir("plot-bars");
  BarPlot plot;
  plot.title = "parameter importance";
  plot.ylabel = "importance";
  plot.names = {"learning_rate", "latent_dim", "batch_size", "dropout"};
  plot.values = {0.61, 0.25, 0.09, 0.05};
  plot.width = 700;
  plot.height = 360;
  ASSERT_TRUE(plot_bars(dir / "importance.png", plot));
  expect_picture(dir / "importance.png", 700, 360, 10);
  EXPECT_GT(count_near(read_png(dir / "importance.png"), 0x1f, 0x77, 0xb4), 5000u);

  plot.horizontal = false;
  plot.values = {0.5, -0.2, 1.5, 0};
  ASSERT_TRUE(plot_bars(dir / "vertical.png", plot));
  expect_picture(dir / "vertical.png", 700, 360, 10);
}

TEST(Plot, ParallelCoordinatesColoredByValue) {
  REQUIRE_GNUPLOT();
  const auto dir = testing::temp_dir("plot-parallel");
  ParallelCoordinates plot;
  plot.title = "trials";
  plot.axes = {"lr", "latent_dim", "dropout", "val_loss"};
  for (int t = 0; t < 30; ++t) {
    const double lr = std::pow(10.0, -4 + 0.1 * t);
    const double dim = 2 + (t * 7) % 30;
    const double dropout = 0.05 * (t % 6);
    const double loss = 0.02 + 0.01 * std::fabs(std::log10(lr) + 2.5) + 0.001 * dim;
    plot.rows.push_back({lr, dim, dropout, loss});
    plot.color_values.push_back(loss);
  }
  plot.rows.push_back({1e-3, 8, 0.1, NAN});  // a failed trial: the line stops at the gap
  plot.color_values.push_back(NAN);
  plot.color_label = "val_loss";
  plot.low_on_top = true;
  ASSERT_TRUE(plot_parallel_coordinates(dir / "parallel.png", plot));
  expect_picture(dir / "parallel.png", 1000, 600, 30);

  plot.rows[3].pop_back();
  const std::string message = message_of([&] { plot_parallel_coordinates(dir / "bad.png", plot); });
  EXPECT_NE(message.find("row 3 has 3 values for 4 axes"), std::string::npos) << message;
}

TEST(Plot, HeatmapConfusionMatrix) {
  REQUIRE_GNUPLOT();
  const auto dir = testing::temp_dir("plot-heatmap");
  Heatmap plot;
  plot.title = "confusion matrix";
  plot.xlabel = "predicted";
  plot.ylabel = "true";
  for (int r = 0; r < 10; ++r) {
    plot.row_names.push_back("class_" + std::to_string(r));
    plot.col_names.push_back(std::to_string(r));
    std::vector<double> row(10);
    for (int c = 0; c < 10; ++c) row[c] = r == c ? 90 + r : (r + 2 * c) % 7;
    plot.values.push_back(row);
  }
  ASSERT_TRUE(plot_heatmap(dir / "confusion.png", plot));
  expect_picture(dir / "confusion.png", 800, 700, 20);
  EXPECT_GT(count_near(read_png(dir / "confusion.png"), 0x08, 0x30, 0x6b), 1000u)
      << "the diagonal is dark blue";

  plot.values[4].push_back(1);
  const std::string message = message_of([&] { plot_heatmap(dir / "bad.png", plot); });
  EXPECT_NE(message.find("heatmap row 4 has 11 values"), std::string::npos) << message;
}

TEST(Plot, MissingFolderIsAnErrorNamingThePng) {
  REQUIRE_GNUPLOT();
  const auto png = testing::temp_dir("plot-missing") / "no-such-dir" / "loss.png";
  LinePlot plot;
  plot.series = {Series{"a", {}, {1, 2, 3}}};
  const std::string message = message_of([&] { plot_lines(png, plot); });
  EXPECT_NE(message.find(png.string()), std::string::npos) << message;
  EXPECT_NE(message.find("does not exist"), std::string::npos) << message;
}

TEST(Plot, GnuplotErrorIsQuoted) {
  REQUIRE_GNUPLOT();
  const auto png = testing::temp_dir("plot-gnuplot-error") / "x.png";
  const std::string message = message_of(
      [&] { gnuplot::render(png, 300, 200, "set xrange [0:1]\nplot undefined_thing(x)\n"); });
  EXPECT_NE(message.find(png.string()), std::string::npos) << message;
  EXPECT_NE(message.find("gnuplot failed"), std::string::npos) << message;
  EXPECT_NE(message.find("undefined"), std::string::npos) << message;
  EXPECT_NE(message.find("plot undefined_thing(x)"), std::string::npos) << message;
  EXPECT_FALSE(std::filesystem::exists(png));
  EXPECT_FALSE(std::filesystem::exists(png.string() + ".tmp"));
}

TEST(Plot, WithoutGnuplotPlotsReturnFalse) {
  const char* saved = std::getenv("AELAB_GNUPLOT");
  const std::string previous = saved != nullptr ? saved : "";
  setenv("AELAB_GNUPLOT", "none", 1);
  const auto dir = testing::temp_dir("plot-unavailable");
  EXPECT_FALSE(plotting_available());
  LinePlot lines;
  lines.series = {Series{"a", {}, {1, 2}}};
  EXPECT_FALSE(plot_lines(dir / "a.png", lines));
  EXPECT_FALSE(plot_bars(dir / "b.png", BarPlot{}));
  EXPECT_FALSE(std::filesystem::exists(dir / "a.png"));
  setenv("AELAB_GNUPLOT", "/no/such/gnuplot", 1);
  EXPECT_FALSE(plotting_available());
  if (saved != nullptr) {
    setenv("AELAB_GNUPLOT", previous.c_str(), 1);
  } else {
    unsetenv("AELAB_GNUPLOT");
  }
}

TEST(Plot, QuoteDoublesSingleQuotes) {
  EXPECT_EQ(gnuplot::quote("it's a_b"), "'it''s a_b'");
  EXPECT_EQ(gnuplot::quote("two\nlines"), "'two lines'");
  EXPECT_EQ(gnuplot::number(NAN), "NaN");
  EXPECT_EQ(gnuplot::number(0.125), "0.125");
}

}  // namespace
}  // namespace aelab::report
