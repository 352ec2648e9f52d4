#include <algorithm>
#include <cmath>

#include "aelab/core/error.h"
#include "aelab/report/gnuplot.h"
#include "aelab/report/plot.h"
#include "aelab/report/table.h"

namespace aelab::report {
namespace {
constexpr double kBarHalfWidth = 0.35;
}  // namespace

bool plot_bars(const std::filesystem::path& png, const BarPlot& plot) {
  if (!plotting_available()) return gnuplot::warn_unavailable(png);
  AELAB_CHECK(plot.names.size() == plot.values.size(), png.string(), ": bar plot has ",
              plot.names.size(), " names but ", plot.values.size(), " values");
  const int count = static_cast<int>(plot.values.size());

  double low = 0, high = 0;
  for (double v : plot.values) {
    if (!std::isfinite(v)) continue;
    low = std::min(low, v);
    high = std::max(high, v);
  }
  if (low == high) high = 1;
  // Room beyond the longest bar for its value label.
  const double span = high - low;
  const double range_low = low < 0 ? low - 0.18 * span : 0;
  const double range_high = high > 0 ? high + 0.18 * span : 0;

  std::ostringstream body = gnuplot::script();
  body << gnuplot::common_style(plot.title);
  body << "set style fill solid 0.85 noborder\n";
  const std::string value_axis = plot.horizontal ? "x" : "y";
  const std::string name_axis = plot.horizontal ? "y" : "x";
  if (!plot.ylabel.empty())
    body << "set " << value_axis << "label " << gnuplot::quote(plot.ylabel) << "\n";
  body << "set " << value_axis << "range [" << gnuplot::number(range_low) << ":"
       << gnuplot::number(range_high) << "]\n";
  // Bar i sits at position i; horizontal plots count downwards so the first name is on top.
  const double last = (count == 0 ? 1 : count) - 0.5;
  if (plot.horizontal) {
    body << "set yrange [" << last << ":-0.5]\n";
  } else {
    body << "set xrange [-0.5:" << last << "]\n";
  }
  if (low < 0)
    body << "set " << (plot.horizontal ? "y" : "x") << "zeroaxis lt 1 lw 1 lc rgb '#404040'\n";
  body << "set grid no" << name_axis << "tics " << value_axis << "tics\n";
  body << "set " << name_axis << "tics scale 0 (";
  for (int i = 0; i < count; ++i)
    body << (i > 0 ? ", " : "") << gnuplot::quote(plot.names[i]) << " " << i;
  body << ")" << (plot.horizontal ? "" : " rotate by 35 right") << "\n";

  body << "$bars << EOD\n";
  for (int i = 0; i < count; ++i) body << i << " " << gnuplot::number(plot.values[i]) << "\n";
  body << "EOD\n";
  for (int i = 0; i < count; ++i) {
    const double v = plot.values[i];
    if (!std::isfinite(v)) continue;
    const std::string at = plot.horizontal ? gnuplot::number(v) + ", " + std::to_string(i)
                                           : std::to_string(i) + ", " + gnuplot::number(v);
    const std::string where =
        plot.horizontal ? (v >= 0 ? "left offset char 0.6, 0" : "right offset char -0.6, 0")
                        : (v >= 0 ? "center offset 0, char 0.7" : "center offset 0, char -0.7");
    body << "set label " << gnuplot::quote(format_number(v, 3)) << " at " << at << " " << where
         << " front textcolor rgb '#202020'\n";
  }
  const std::string color = gnuplot::palette()[0];
  if (count == 0) {
    body << "set label 'no data' at graph 0.5, 0.5 center font ',14' textcolor rgb '#808080'\n"
         << "plot NaN notitle\n";
  } else if (plot.horizontal) {
    body << "plot $bars using 2:1:(0):2:($1-" << kBarHalfWidth << "):($1+" << kBarHalfWidth
         << ") with boxxyerror lc rgb '" << color << "' notitle\n";
  } else {
    body << "plot $bars using 1:(0):($1-" << kBarHalfWidth << "):($1+" << kBarHalfWidth
         << "):(0):2 with boxxyerror lc rgb '" << color << "' notitle\n";
  }
  gnuplot::render(png, plot.width, plot.height, body.str());
  return true;
}

}  // namespace aelab::report
