#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <numeric>
#include <random>

#include "aelab/core/error.h"
#include "aelab/report/gnuplot.h"
#include "aelab/report/plot.h"

namespace aelab::report {
namespace {
// Past ten classes the colors repeat, so the marker shape changes with each round of colors.
constexpr int kPointTypes[] = {7, 5, 9, 11, 13};
}  // namespace

bool plot_scatter(const std::filesystem::path& png, const ScatterPlot& plot) {
  if (!plotting_available()) return gnuplot::warn_unavailable(png);
  AELAB_CHECK(plot.x.size() == plot.y.size(), png.string(), ": scatter has ", plot.x.size(),
              " x values but ", plot.y.size(), " y values");
  AELAB_CHECK(plot.label.empty() || plot.label.size() == plot.x.size(), png.string(),
              ": scatter has ", plot.label.size(), " labels for ", plot.x.size(), " points");
  AELAB_CHECK(plot.point_size > 0, png.string(), ": point size must be positive, got ",
              plot.point_size);
  AELAB_CHECK(plot.opacity > 0 && plot.opacity <= 1, png.string(),
              ": marker opacity must be in (0, 1], got ", plot.opacity);

  // Points grouped by class, classes in label order so colors and legend are stable.
  std::map<int64_t, std::vector<size_t>> classes;
  for (size_t i = 0; i < plot.x.size(); ++i) {
    classes[plot.label.empty() ? 0 : plot.label[i]].push_back(i);
  }

  std::ostringstream body = gnuplot::script();
  body << gnuplot::common_style(plot.title);
  if (!plot.xlabel.empty()) body << "set xlabel " << gnuplot::quote(plot.xlabel) << "\n";
  if (!plot.ylabel.empty()) body << "set ylabel " << gnuplot::quote(plot.ylabel) << "\n";
  // One legend column however short the map is (equal axes make wide maps short).
  body << "set key outside right top vertical spacing 1.3 samplen 1 maxrows "
       << std::max<size_t>(1, classes.size()) << "\n"
       << "set offsets graph 0.02, graph 0.02, graph 0.02, graph 0.02\n";

  std::vector<std::string> terms;
  const auto& colors = gnuplot::palette();
  const int num_colors = static_cast<int>(colors.size());
  // 0xAARRGGBB with AA the transparency, as gnuplot's "lc rgb variable" reads it.
  const int transparency = static_cast<int>(std::lround((1 - plot.opacity) * 255));
  std::map<int64_t, std::pair<int, std::string>> style_of;  // label -> (point type, '#rrggbb')
  for (const auto& [label, members] : classes) {
    // Colors follow the label value, so class 3 has the same color in every plot of a run.
    const int64_t slot = ((label % num_colors) + num_colors) % num_colors;
    const int64_t round = (label >= 0 ? label : -label - 1) / num_colors;
    style_of[label] = {kPointTypes[round % (sizeof(kPointTypes) / sizeof(kPointTypes[0]))],
                       colors[slot]};
  }
  if (!plot.x.empty()) {
    // All points in one data block, in an order that interleaves the classes: drawn class by
    // class, the last class would cover the others where they overlap.
    std::vector<size_t> order(plot.x.size());
    std::iota(order.begin(), order.end(), 0);
    std::mt19937_64 shuffle(0x5eed);
    std::shuffle(order.begin(), order.end(), shuffle);
    body << "$points << EOD\n";
    char argb[16];
    for (size_t i : order) {
      const auto& [point_type, color] = style_of[plot.label.empty() ? 0 : plot.label[i]];
      std::snprintf(argb, sizeof argb, "0x%02x%s", transparency, color.c_str() + 1);
      body << gnuplot::number(plot.x[i]) << " " << gnuplot::number(plot.y[i]) << " " << point_type
           << " " << argb << "\n";
    }
    body << "EOD\n";
    terms.push_back("$points using 1:2:3:4 with points pt variable ps " +
                    gnuplot::number(plot.point_size) + " lc rgb variable notitle");
  }
  if (!plot.label.empty()) {
    for (const auto& [label, style] : style_of) {
      const std::string name = label >= 0 && static_cast<size_t>(label) < plot.class_names.size()
                                   ? plot.class_names[static_cast<size_t>(label)]
                                   : std::to_string(label);
      // Legend markers opaque and at a readable size, independent of the (small) data markers.
      terms.push_back("NaN with points pt " + std::to_string(style.first) + " lc rgb '" +
                      style.second + "' ps 1.6 title " + gnuplot::quote(name));
    }
  }
  int height = plot.height;
  if (plot.equal_axes && !plot.x.empty()) {
    body << "set size ratio -1\n";
    // With equal units a wide map leaves the picture's top and bottom empty: the picture gets
    // as high as the map needs (estimated from the legend width and the usual margins).
    const auto [x_min, x_max] = std::minmax_element(plot.x.begin(), plot.x.end());
    const auto [y_min, y_max] = std::minmax_element(plot.y.begin(), plot.y.end());
    const double dx = *x_max - *x_min, dy = *y_max - *y_min;
    size_t longest_name = 0;
    for (const auto& name : plot.class_names) longest_name = std::max(longest_name, name.size());
    const double legend_px = plot.label.empty() ? 0 : 7.0 * longest_name + 60;
    const double map_width = plot.width - 90 - legend_px;
    if (dx > 0 && dy > 0 && std::isfinite(dx) && std::isfinite(dy) && map_width > 0) {
      const double wanted = map_width * dy / dx + 130;  // title, x label, tick labels
      // Never lower than the legend in one column (about 21 pixels an entry) or 300 pixels.
      const double lowest = std::max(300.0, 21.0 * static_cast<double>(classes.size()) + 110);
      height = static_cast<int>(
          std::clamp(wanted, std::min(lowest, 1.0 * plot.height), 1.0 * plot.height));
    }
  }

  if (plot.x.empty()) {
    body << "set xrange [0:1]\nset yrange [0:1]\n"
         << "set label 'no data' at graph 0.5, 0.5 center font ',14' textcolor rgb '#808080'\n";
    terms.push_back("NaN notitle");
  }
  body << "plot ";
  for (size_t i = 0; i < terms.size(); ++i) body << (i > 0 ? ", \\\n     " : "") << terms[i];
  body << "\n";
  gnuplot::render(png, plot.width, height, body.str());
  return true;
}

}  // namespace aelab::report
