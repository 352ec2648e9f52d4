#include <algorithm>
#include <cmath>
#include <numeric>

#include "aelab/core/error.h"
#include "aelab/report/gnuplot.h"
#include "aelab/report/plot.h"
#include "aelab/report/table.h"

namespace aelab::report {

bool plot_parallel_coordinates(const std::filesystem::path& png, const ParallelCoordinates& plot) {
  if (!plotting_available()) return gnuplot::warn_unavailable(png);
  const size_t num_axes = plot.axes.size();
  AELAB_CHECK(num_axes >= 2, png.string(), ": parallel coordinates need at least 2 axes, got ",
              num_axes);
  for (size_t r = 0; r < plot.rows.size(); ++r) {
    AELAB_CHECK(plot.rows[r].size() == num_axes, png.string(), ": row ", r, " has ",
                plot.rows[r].size(), " values for ", num_axes, " axes");
  }
  AELAB_CHECK(plot.categories.size() <= num_axes && plot.log_scale.size() <= num_axes,
              png.string(), ": categories or log_scale name more axes than the ", num_axes,
              " axes");
  auto categories_of = [&](size_t a) -> const std::vector<std::string>* {
    return a < plot.categories.size() && !plot.categories[a].empty() ? &plot.categories[a]
                                                                     : nullptr;
  };
  auto is_log = [&](size_t a) { return a < plot.log_scale.size() && plot.log_scale[a]; };
  for (size_t a = 0; a < num_axes; ++a) {
    const auto* names = categories_of(a);
    if (names == nullptr) continue;
    AELAB_CHECK(!is_log(a), png.string(), ": axis '", plot.axes[a],
                "' cannot be both categorical and on a log scale");
    for (size_t r = 0; r < plot.rows.size(); ++r) {
      const double v = plot.rows[r][a];
      AELAB_CHECK(!std::isfinite(v) || (v >= 0 && v < static_cast<double>(names->size()) &&
                                        v == std::floor(v)),
                  png.string(), ": row ", r, " has ", v, " on categorical axis '", plot.axes[a],
                  "', which has ", names->size(), " categories (0..", names->size() - 1, ")");
    }
  }
  const bool colored = !plot.color_values.empty();
  AELAB_CHECK(!colored || plot.color_values.size() == plot.rows.size(), png.string(), ": ",
              plot.color_values.size(), " color values for ", plot.rows.size(), " rows");

  // Each numeric axis is scaled to its own finite min..max (of log10 values on a log axis); a
  // constant axis sits in the middle. Categories are spread evenly over the axis, first at the
  // bottom, whichever of them occur.
  auto scaled = [&](size_t a, double v) -> double {
    if (is_log(a)) return v > 0 ? std::log10(v) : NAN;
    return v;
  };
  std::vector<double> low(num_axes, INFINITY), high(num_axes, -INFINITY);
  for (const auto& row : plot.rows) {
    for (size_t a = 0; a < num_axes; ++a) {
      const double v = scaled(a, row[a]);
      if (!std::isfinite(v)) continue;
      low[a] = std::min(low[a], v);
      high[a] = std::max(high[a], v);
    }
  }
  auto normalized = [&](size_t a, double value) -> double {
    const double v = scaled(a, value);
    if (!std::isfinite(v)) return NAN;
    if (const auto* names = categories_of(a)) {
      return names->size() > 1 ? v / static_cast<double>(names->size() - 1) : 0.5;
    }
    return high[a] > low[a] ? (v - low[a]) / (high[a] - low[a]) : 0.5;
  };

  // Lines drawn last end up on top: the interesting end of the color scale goes last.
  std::vector<size_t> order(plot.rows.size());
  std::iota(order.begin(), order.end(), 0);
  if (colored) {
    auto key = [&](size_t r) {
      const double c = plot.color_values[r];
      return std::isfinite(c) ? (plot.low_on_top ? -c : c) : -INFINITY;
    };
    std::stable_sort(order.begin(), order.end(),
                     [&](size_t a, size_t b) { return key(a) < key(b); });
  }

  // Horizontal layout, in pixels estimated from the font (Sans 11 for axis titles, Sans 10 for
  // values; DejaVu Sans averages about 0.7 em per character): the outer axes move in far enough
  // that their titles and values fit, and when neighbouring titles would touch, every other
  // title goes one row lower.
  constexpr double kTitleChar = 11 * 0.7, kValueChar = 10 * 0.7;
  auto value_label = [&](size_t a, double v) {
    return format_number(is_log(a) ? std::pow(10.0, v) : v, 3);
  };
  std::vector<double> half_width(num_axes);  // widest text centered on each axis, halved
  for (size_t a = 0; a < num_axes; ++a) {
    double widest = kTitleChar * static_cast<double>(plot.axes[a].size());
    if (std::isfinite(low[a]) && categories_of(a) == nullptr) {
      widest = std::max({widest, kValueChar * value_label(a, low[a]).size(),
                         kValueChar * value_label(a, high[a]).size()});
    }
    half_width[a] = widest / 2;
  }
  double category_width = 0;  // category names are drawn left of their axis
  for (size_t a = 0; a < num_axes; ++a) {
    if (const auto* names = categories_of(a)) {
      for (const auto& name : *names)
        category_width = std::max(category_width, kValueChar * (name.size() + 1));
    }
  }
  const double right_margin_px = colored ? 130 : 30, left_margin_px = 20;
  const double area = std::max(100.0, plot.width - right_margin_px - left_margin_px);
  const double spacing =
      std::max(40.0, (area - half_width.front() - half_width.back()) / (num_axes - 1));
  const double pad_left = std::max({0.15, half_width.front() / spacing,
                                    categories_of(0) ? category_width / spacing : 0.0});
  const double pad_right = std::max(0.15, half_width.back() / spacing);
  bool staggered = false;
  for (size_t a = 0; a + 1 < num_axes; ++a) {
    staggered = staggered || half_width[a] + half_width[a + 1] + 12 > spacing;
  }

  // The y range leaves room above and below the axes for their min and max labels; the color
  // bar spans exactly the axes.
  constexpr double kMargin = 0.09;
  constexpr double kAxisBottom = kMargin / (1 + 2 * kMargin),
                   kAxisTop = (1 + kMargin) / (1 + 2 * kMargin);
  std::ostringstream body = gnuplot::script();
  body << gnuplot::common_style(plot.title);
  body << "unset border\nunset ytics\nunset xtics\nset grid noxtics noytics\nset key off\n"
       << "set xrange [" << gnuplot::number(-pad_left) << ":"
       << gnuplot::number(num_axes - 1 + pad_right) << "]\nset yrange [" << -kMargin << ":"
       << 1 + kMargin << "]\n"
       << "set lmargin at screen " << gnuplot::number(left_margin_px / plot.width) << "\n"
       << "set rmargin at screen " << gnuplot::number(1 - right_margin_px / plot.width) << "\n"
       << "set bmargin " << (staggered ? 4.5 : 3) << "\n"
       << "set style textbox opaque fc rgb '#ffffff' noborder margins 1, 1\n";
  for (size_t a = 0; a < num_axes; ++a) {
    // Titles under the axes: row 0 just below the min labels, row 1 a line lower.
    const double row = staggered && a % 2 == 1 ? 1 : 0;
    body << "set label " << gnuplot::quote(plot.axes[a]) << " at " << a << ", " << -kMargin
         << " center offset 0, char " << gnuplot::number(-1.0 - 1.3 * row)
         << " font ',11' front\n";
  }
  for (size_t a = 0; a < num_axes; ++a) {
    body << "set arrow from " << a << ", 0 to " << a
         << ", 1 nohead front lw 1.5 lc rgb '#303030'\n";
    if (const auto* names = categories_of(a)) {
      // Every category gets a tick and its name, left of the axis.
      for (size_t k = 0; k < names->size(); ++k) {
        const double y = names->size() > 1 ? static_cast<double>(k) / (names->size() - 1) : 0.5;
        body << "set label " << gnuplot::quote((*names)[k]) << " at " << a << ", "
             << gnuplot::number(y) << " right offset char -0.6, 0 boxed front\n"
             << "set object circle at " << a << ", " << gnuplot::number(y)
             << " size char 0.25 front fc rgb '#303030' fs solid noborder\n";
      }
    } else if (std::isfinite(low[a])) {
      body << "set label " << gnuplot::quote(value_label(a, high[a])) << " at " << a
           << ", 1 center offset 0, char 0.9 front\n"
           << "set label " << gnuplot::quote(value_label(a, low[a])) << " at " << a
           << ", 0 center offset 0, char -0.9 front\n";
    }
  }
  if (colored) {
    body << "set palette defined (0 '#440154', 0.25 '#3b528b', 0.5 '#21918c', 0.75 '#5ec962', "
            "1 '#fde725')\n"
         << "set colorbox vertical user origin graph 1.03, graph " << kAxisBottom
         << " size character 1.5, graph " << kAxisTop - kAxisBottom << "\n"
         << "set format cb '%g'\n";
    if (!plot.color_label.empty())
      body << "set cblabel " << gnuplot::quote(plot.color_label) << " offset char 1, 0\n";
    double cmin = INFINITY, cmax = -INFINITY;
    for (double c : plot.color_values) {
      if (!std::isfinite(c)) continue;
      cmin = std::min(cmin, c);
      cmax = std::max(cmax, c);
    }
    if (std::isfinite(cmin)) {
      if (cmin == cmax) cmax = cmin + 1;
      body << "set cbrange [" << gnuplot::number(cmin) << ":" << gnuplot::number(cmax) << "]\n";
    }
  }

  body << "$lines << EOD\n";
  for (size_t r : order) {
    const double c = colored ? plot.color_values[r] : 0;
    for (size_t a = 0; a < num_axes; ++a) {
      body << a << " " << gnuplot::number(normalized(a, plot.rows[r][a])) << " "
           << gnuplot::number(c) << "\n";
    }
    body << "\n";  // a blank line starts the next polyline
  }
  body << "EOD\n";
  if (plot.rows.empty()) {
    body << "set label 'no data' at graph 0.5, 0.5 center font ',14' textcolor rgb '#808080'\n"
         << "plot NaN notitle\n";
  } else if (colored) {
    body << "plot $lines using 1:2:3 with lines lw 1.5 lc palette notitle\n";
  } else {
    body << "plot $lines using 1:2 with lines lw 1.5 lc rgb '" << gnuplot::palette()[0]
         << "' notitle\n";
  }
  gnuplot::render(png, plot.width, plot.height, body.str());
  return true;
}

}  // namespace aelab::report
