#pragma once
// Plots for run folders, drawn by gnuplot (pngcairo terminal) run as a child process. Each function
// returns false (and logs one warning per process) when gnuplot is not available, so callers carry
// on without the picture; bad input or an error inside gnuplot is an aelab::Error naming the PNG
// and quoting gnuplot's message. The PNG appears atomically (temporary file + rename).
//
// The gnuplot used is the one found at build time; the environment variable AELAB_GNUPLOT
// overrides it (an empty value or "none" turns plotting off).
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace aelab::report {

bool plotting_available();

struct Series {
  std::string name;       // legend entry; empty = not in the legend
  std::vector<double> x;  // empty = 0, 1, 2, ... (one per y value)
  std::vector<double> y;  // non-finite values leave a gap
  bool points = false;    // draw markers only (trial values) instead of a line
  bool markers = false;   // a line with a marker at every point (few points, e.g. epochs)
};
struct LinePlot {
  std::string title, xlabel, ylabel;
  bool log_y = false;  // values <= 0 are left out on a log axis
  std::vector<Series> series;
  int width = 900, height = 600;
};
// Loss curves, optimization history with best-so-far, intermediate values. A log axis spanning
// less than three decades is labeled in 1-2-5 (or finer) steps so it carries at least 4 labels.
bool plot_lines(const std::filesystem::path& png, const LinePlot& plot);

struct ScatterPlot {
  std::string title;
  std::vector<double> x, y;
  std::vector<int64_t> label;            // empty = one color, no legend
  std::vector<std::string> class_names;  // indexed by label; missing names print the label
  int width = 1000, height = 900;
  double point_size = 0.4;
  std::string xlabel, ylabel;  // e.g. "z1", "PC1 (64.2%)"
  bool equal_axes = false;     // one unit is as long on x as on y (PCA: distances stay true);
                               // the picture is then only as high as the map needs, <= height
  double opacity = 0.6;        // of the data markers, 0..1: overlapping classes stay visible
};
// Latent space maps colored by class (10 distinct colors, then marker shapes), legend outside.
// Points are drawn in a fixed shuffled order, not class by class, so no class hides the others.
bool plot_scatter(const std::filesystem::path& png, const ScatterPlot& plot);

struct BarPlot {
  std::string title, ylabel;  // ylabel names the value axis (horizontal in a horizontal plot)
  std::vector<std::string> names;
  std::vector<double> values;
  bool horizontal = true;  // first name at the top
  int width = 900, height = 600;
};
// Parameter importance and other named values, each bar labeled with its value.
bool plot_bars(const std::filesystem::path& png, const BarPlot& plot);

struct ParallelCoordinates {
  std::string title;
  std::vector<std::string> axes;
  std::vector<std::vector<double>> rows;  // one value per axis; non-finite values break the line
  // Per axis (may be shorter than axes): non-empty = a categorical axis whose value i stands for
  // categories[a][i]; its categories are spread evenly and labeled by name.
  std::vector<std::vector<std::string>> categories;
  // Per axis (may be shorter): values (> 0) on a log scale, labeled as themselves.
  std::vector<bool> log_scale;
  std::vector<double> color_values;       // one per row; empty = one color, no color bar
  std::string color_label;
  bool low_on_top = false;  // draw small color values last (e.g. a loss being minimized)
  int width = 1000, height = 600;
};
// Each numeric axis normalized to its own min..max (printed at its ends), categorical axes labeled
// with their values, lines colored by value. Axis titles too wide for their spacing alternate
// between two rows, and the outer axes move in so their titles fit the picture.
bool plot_parallel_coordinates(const std::filesystem::path& png, const ParallelCoordinates& plot);

struct Heatmap {
  std::string title;
  std::vector<std::string> row_names, col_names;  // empty = 0, 1, 2, ...
  std::vector<std::vector<double>> values;        // values[row][col]
  bool annotate = true;        // print each cell's value (left out above 900 cells)
  std::string xlabel, ylabel;  // e.g. "predicted", "true"
  int width = 800, height = 700;
};
// Confusion matrices and other labeled grids; row 0 at the top.
bool plot_heatmap(const std::filesystem::path& png, const Heatmap& plot);

}  // namespace aelab::report
