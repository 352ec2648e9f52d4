#include <algorithm>
#include <map>

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

  // Points grouped by class, classes in label order so colors and legend are stable.
  std::map<int64_t, std::vector<size_t>> classes;
  for (size_t i = 0; i < plot.x.size(); ++i) {
    classes[plot.label.empty() ? 0 : plot.label[i]].push_back(i);
  }

  std::ostringstream body = gnuplot::script();
  body << gnuplot::common_style(plot.title);
  if (!plot.xlabel.empty()) body << "set xlabel " << gnuplot::quote(plot.xlabel) << "\n";
  if (!plot.ylabel.empty()) body << "set ylabel " << gnuplot::quote(plot.ylabel) << "\n";
  body << "set key outside right top vertical spacing 1.3 samplen 1\n"
       << "set offsets graph 0.02, graph 0.02, graph 0.02, graph 0.02\n";

  std::vector<std::string> terms, legend;
  const auto& colors = gnuplot::palette();
  const int num_colors = static_cast<int>(colors.size());
  for (const auto& [label, members] : classes) {
    const std::string block = "$class" + std::to_string(terms.size());
    body << block << " << EOD\n";
    for (size_t i : members)
      body << gnuplot::number(plot.x[i]) << " " << gnuplot::number(plot.y[i]) << "\n";
    body << "EOD\n";
    // Colors follow the label value, so class 3 has the same color in every plot of a run.
    const int64_t slot = ((label % num_colors) + num_colors) % num_colors;
    const int64_t round = (label >= 0 ? label : -label - 1) / num_colors;
    const int point_type = kPointTypes[round % (sizeof(kPointTypes) / sizeof(kPointTypes[0]))];
    const std::string style = "pt " + std::to_string(point_type) + " lc rgb '" + colors[slot] + "'";
    terms.push_back(block + " using 1:2 with points " + style + " ps " +
                    gnuplot::number(plot.point_size) + " notitle");
    if (!plot.label.empty()) {
      const std::string name = label >= 0 && static_cast<size_t>(label) < plot.class_names.size()
                                   ? plot.class_names[static_cast<size_t>(label)]
                                   : std::to_string(label);
      // Legend markers drawn at a readable size, independent of the (small) data markers.
      legend.push_back("NaN with points " + style + " ps 1.6 title " + gnuplot::quote(name));
    }
  }
  terms.insert(terms.end(), legend.begin(), legend.end());

  if (plot.x.empty()) {
    body << "set xrange [0:1]\nset yrange [0:1]\n"
         << "set label 'no data' at graph 0.5, 0.5 center font ',14' textcolor rgb '#808080'\n";
    terms.push_back("NaN notitle");
  }
  body << "plot ";
  for (size_t i = 0; i < terms.size(); ++i) body << (i > 0 ? ", \\\n     " : "") << terms[i];
  body << "\n";
  gnuplot::render(png, plot.width, plot.height, body.str());
  return true;
}

}  // namespace aelab::report
