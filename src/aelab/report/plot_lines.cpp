#include <algorithm>
#include <cmath>

#include "aelab/core/error.h"
#include "aelab/report/gnuplot.h"
#include "aelab/report/plot.h"
#include "aelab/report/table.h"

namespace aelab::report {
namespace {

std::string log_ticks(double low, double high) {
  std::string tics;
  const auto values = gnuplot::log_tick_values(low, high);
  const auto labels = gnuplot::tick_labels(values);
  for (size_t i = 0; i < values.size(); ++i) {
    tics += (tics.empty() ? "" : ", ") + gnuplot::quote(labels[i]) + " " +
            gnuplot::number(values[i]);
  }
  return tics.empty() ? "" : "set ytics (" + tics + ")\n";
}

}  // namespace

bool plot_lines(const std::filesystem::path& png, const LinePlot& plot) {
  if (!plotting_available()) return gnuplot::warn_unavailable(png);
  std::ostringstream body = gnuplot::script();
  body << gnuplot::common_style(plot.title);
  if (!plot.xlabel.empty()) body << "set xlabel " << gnuplot::quote(plot.xlabel) << "\n";
  if (!plot.ylabel.empty()) body << "set ylabel " << gnuplot::quote(plot.ylabel) << "\n";

  std::vector<std::string> terms;
  double low = INFINITY, high = -INFINITY;  // finite y values drawn
  double x_low = INFINITY, x_high = -INFINITY;
  bool integral_x = true;    // epochs, steps, trial numbers: no ticks between whole numbers
  bool any_markers = false;  // markers at the ends of the x range must not sit on the border
  for (size_t s = 0; s < plot.series.size(); ++s) {
    const Series& series = plot.series[s];
    AELAB_CHECK(series.x.empty() || series.x.size() == series.y.size(), png.string(), ": series '",
                series.name, "' has ", series.x.size(), " x values but ", series.y.size(),
                " y values");
    const std::string block = "$series" + std::to_string(s);
    body << block << " << EOD\n";
    int drawable = 0;
    for (size_t i = 0; i < series.y.size(); ++i) {
      const double x = series.x.empty() ? static_cast<double>(i) : series.x[i];
      double y = series.y[i];
      if (plot.log_y && !(y > 0)) y = NAN;  // a log axis cannot show it
      if (std::isfinite(x) && std::isfinite(y)) {
        ++drawable;
        low = std::min(low, y);
        high = std::max(high, y);
        x_low = std::min(x_low, x);
        x_high = std::max(x_high, x);
        integral_x = integral_x && x == std::round(x);
      }
      body << gnuplot::number(x) << " " << gnuplot::number(y) << "\n";
    }
    body << "EOD\n";
    if (drawable == 0) continue;
    const std::string& color = gnuplot::palette()[s % gnuplot::palette().size()];
    std::string style;
    any_markers = any_markers || series.points || series.markers || drawable == 1;
    if (series.points) {
      style = "with points pt 7 ps 0.7 lc rgb '" + color + "'";
    } else if (drawable == 1) {
      style = "with points pt 7 ps 1.0 lc rgb '" + color + "'";  // a line needs two points
    } else if (series.markers) {
      // Marker shapes differ between series, so the curves stay apart in gray print too.
      static constexpr int kMarkerTypes[] = {7, 5, 9, 11, 13};
      style = "with linespoints lw 2 pt " + std::to_string(kMarkerTypes[s % 5]) +
              " ps 0.8 lc rgb '" + color + "'";
    } else {
      style = "with lines lw 2 lc rgb '" + color + "'";
    }
    const std::string title =
        series.name.empty() ? "notitle" : "title " + gnuplot::quote(series.name);
    terms.push_back(block + " using 1:2 " + style + " " + title);
  }

  if (terms.empty()) {
    body << "set xrange [0:1]\nset yrange [0:1]\n"
         << "set label 'no data' at graph 0.5, 0.5 center font ',14' textcolor rgb '#808080'\n"
         << "plot NaN notitle\n";
  } else {
    if (plot.log_y)
      body << "set logscale y\nset format y '%g'\nset mytics 10\n" << log_ticks(low, high);
    if (integral_x && x_high - x_low < 10) {
      body << "set xtics 1\n";  // gnuplot would put ticks at 0.5 steps
    } else {
      body << "set mxtics 2\n";
    }
    body << "set key outside right top vertical Left reverse samplen 2.5 spacing 1.2\n"
         << "set autoscale fix\n"
         << (any_markers ? "set offsets graph 0.02, graph 0.02, graph 0.05, graph 0.05\n"
                         : "set offsets 0, 0, graph 0.05, graph 0.05\n");
    body << "plot ";
    for (size_t i = 0; i < terms.size(); ++i) body << (i > 0 ? ", \\\n     " : "") << terms[i];
    body << "\n";
  }
  gnuplot::render(png, plot.width, plot.height, body.str());
  return true;
}

}  // namespace aelab::report
