#include <algorithm>
#include <cmath>

#include "aelab/core/error.h"
#include "aelab/report/gnuplot.h"
#include "aelab/report/plot.h"
#include "aelab/report/table.h"

namespace aelab::report {
namespace {
// Beyond this many cells the numbers would overlap; the colors still tell the story.
constexpr size_t kMaxAnnotatedCells = 900;
}  // namespace

bool plot_heatmap(const std::filesystem::path& png, const Heatmap& plot) {
  if (!plotting_available()) return gnuplot::warn_unavailable(png);
  const size_t rows = plot.values.size();
  AELAB_CHECK(rows > 0, png.string(), ": heatmap has no rows");
  const size_t cols = plot.values[0].size();
  AELAB_CHECK(cols > 0, png.string(), ": heatmap has no columns");
  for (size_t r = 0; r < rows; ++r) {
    AELAB_CHECK(plot.values[r].size() == cols, png.string(), ": heatmap row ", r, " has ",
                plot.values[r].size(), " values, row 0 has ", cols);
  }
  AELAB_CHECK(plot.row_names.empty() || plot.row_names.size() == rows, png.string(), ": ",
              plot.row_names.size(), " row names for ", rows, " rows");
  AELAB_CHECK(plot.col_names.empty() || plot.col_names.size() == cols, png.string(), ": ",
              plot.col_names.size(), " column names for ", cols, " columns");

  double low = INFINITY, high = -INFINITY;
  bool integral = true;
  for (const auto& row : plot.values) {
    for (double v : row) {
      if (!std::isfinite(v)) continue;
      low = std::min(low, v);
      high = std::max(high, v);
      integral = integral && v == std::round(v) && std::fabs(v) < 1e15;
    }
  }
  if (!std::isfinite(low)) low = 0, high = 1;
  if (low == high) high = low + 1;

  std::ostringstream body = gnuplot::script();
  body << gnuplot::common_style(plot.title);
  body << "set border 15 lw 1 lc rgb '#404040'\nset grid noxtics noytics\nset key off\n"
       << "set size ratio -1\nset tics scale 0\n"
       << "set palette defined (0 '#f7fbff', 0.3 '#9ecae1', 0.65 '#3182bd', 1 '#08306b')\n"
       << "set format cb '%g'\n"
       << "set cbrange [" << gnuplot::number(low) << ":" << gnuplot::number(high) << "]\n"
       << "set xrange [-0.5:" << cols - 1 << ".5]\nset yrange [" << rows - 1 << ".5:-0.5]\n";
  if (!plot.xlabel.empty()) body << "set xlabel " << gnuplot::quote(plot.xlabel) << "\n";
  if (!plot.ylabel.empty()) body << "set ylabel " << gnuplot::quote(plot.ylabel) << "\n";
  size_t longest_col_name = 0;
  for (const auto& name : plot.col_names)
    longest_col_name = std::max(longest_col_name, name.size());
  body << "set xtics (";
  for (size_t c = 0; c < cols; ++c) {
    body << (c > 0 ? ", " : "")
         << gnuplot::quote(plot.col_names.empty() ? std::to_string(c) : plot.col_names[c]) << " "
         << c;
  }
  body << ")" << (longest_col_name > 3 ? " rotate by 35 right" : "") << "\nset ytics (";
  for (size_t r = 0; r < rows; ++r) {
    body << (r > 0 ? ", " : "")
         << gnuplot::quote(plot.row_names.empty() ? std::to_string(r) : plot.row_names[r]) << " "
         << r;
  }
  body << ")\n";

  if (plot.annotate && rows * cols <= kMaxAnnotatedCells) {
    const int font_size = rows * cols > 225 ? 7 : 9;
    for (size_t r = 0; r < rows; ++r) {
      for (size_t c = 0; c < cols; ++c) {
        const double v = plot.values[r][c];
        const std::string text = !std::isfinite(v) ? ""
                                 : integral        ? format_number(v, 15)
                                                   : format_number(v, 3);
        if (text.empty()) continue;
        // Light text on the dark end of the palette, dark text elsewhere.
        const bool dark_cell = (v - low) / (high - low) > 0.55;
        body << "set label " << gnuplot::quote(text) << " at " << c << ", " << r
             << " center front font '," << font_size << "' textcolor rgb '"
             << (dark_cell ? "#ffffff" : "#202020") << "'\n";
      }
    }
  }

  body << "$cells << EOD\n";
  for (const auto& row : plot.values) {
    for (size_t c = 0; c < cols; ++c) body << (c > 0 ? " " : "") << gnuplot::number(row[c]);
    body << "\n";
  }
  body << "EOD\n"
       << "plot $cells matrix with image pixels notitle\n";
  gnuplot::render(png, plot.width, plot.height, body.str());
  return true;
}

}  // namespace aelab::report
