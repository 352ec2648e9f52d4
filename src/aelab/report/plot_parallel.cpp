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
  const bool colored = !plot.color_values.empty();
  AELAB_CHECK(!colored || plot.color_values.size() == plot.rows.size(), png.string(), ": ",
              plot.color_values.size(), " color values for ", plot.rows.size(), " rows");

  // Each axis is scaled to its own finite min..max; a constant axis sits in the middle.
  std::vector<double> low(num_axes, INFINITY), high(num_axes, -INFINITY);
  for (const auto& row : plot.rows) {
    for (size_t a = 0; a < num_axes; ++a) {
      if (!std::isfinite(row[a])) continue;
      low[a] = std::min(low[a], row[a]);
      high[a] = std::max(high[a], row[a]);
    }
  }
  auto normalized = [&](size_t a, double v) -> double {
    if (!std::isfinite(v)) return NAN;
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

  // The y range leaves room above and below the axes for their min and max labels; the color
  // bar spans exactly the axes.
  constexpr double kMargin = 0.09;
  constexpr double kAxisBottom = kMargin / (1 + 2 * kMargin),
                   kAxisTop = (1 + kMargin) / (1 + 2 * kMargin);
  std::ostringstream body = gnuplot::script();
  body << gnuplot::common_style(plot.title);
  body << "unset border\nunset ytics\nset grid noxtics noytics\nset key off\n"
       << "set xrange [-0.25:" << num_axes - 1 << ".25]\nset yrange [" << -kMargin << ":"
       << 1 + kMargin << "]\n"
       << "set xtics scale 0 font ',11' (";
  for (size_t a = 0; a < num_axes; ++a)
    body << (a > 0 ? ", " : "") << gnuplot::quote(plot.axes[a]) << " " << a;
  body << ")\n";
  for (size_t a = 0; a < num_axes; ++a) {
    body << "set arrow from " << a << ", 0 to " << a
         << ", 1 nohead front lw 1.5 lc rgb '#303030'\n";
    if (std::isfinite(low[a])) {
      body << "set label " << gnuplot::quote(format_number(high[a], 3)) << " at " << a
           << ", 1 center offset 0, char 0.9 front\n"
           << "set label " << gnuplot::quote(format_number(low[a], 3)) << " at " << a
           << ", 0 center offset 0, char -0.9 front\n";
    }
  }
  if (colored) {
    body << "set palette defined (0 '#440154', 0.25 '#3b528b', 0.5 '#21918c', 0.75 '#5ec962', "
            "1 '#fde725')\n"
         << "set colorbox vertical user origin graph 1.03, graph " << kAxisBottom
         << " size character 1.5, graph " << kAxisTop - kAxisBottom << "\n"
         << "set rmargin 14\n";
    body << "set format cb '%g'\n";
    if (!plot.color_label.empty())
      body << "set cblabel " << gnuplot::quote(plot.color_label) << "\n";
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
