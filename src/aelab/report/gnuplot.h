#pragma once
// Running gnuplot: the plot functions build a script body (data inline as `$name << EOD` blocks)
// and hand it to render(), which adds the terminal and output lines, runs gnuplot as a child
// process with stderr captured, and moves the finished PNG and its PDF (or SVG) copy into place.
#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

namespace aelab::report::gnuplot {

// The gnuplot executable to run, or "" when plotting is off or gnuplot is missing.
std::string executable();

// `text` as a gnuplot single-quoted string (quotes doubled, line breaks turned into spaces).
std::string quote(const std::string& text);
// A number as gnuplot reads it back exactly enough for pictures; non-finite values become NaN.
std::string number(double value);
// A script stream that writes numbers in the C locale whatever the process locale is.
std::ostringstream script();

// Ten distinct colors (Tableau 10) for classes and series, as '#rrggbb'.
const std::vector<std::string>& palette();
// Title, border, grid lines and fonts shared by every plot.
std::string common_style(const std::string& title);

// Tick values for a log axis showing low..high (> 0): gnuplot labels only powers of ten, which
// leaves a loss curve spanning less than a decade or two with one label or none. Such ranges get
// the first of 1-2-5, 1-2-3-5, 1-2-3-4-5-6-8 and finer steps that puts at least kMinLogTicks
// values inside low..high; a range narrower still gets evenly spaced values (a step of 1, 2 or 5
// times a power of ten). Empty when gnuplot's own ticks do (three decades or more, bad range).
constexpr int kMinLogTicks = 4;
std::vector<double> log_tick_values(double low, double high);
// Labels for tick values: 3 significant digits, more (up to 8) where fewer would give two ticks
// the same label (a one-epoch loss curve spans 0.1567..0.1572: "0.157" six times otherwise).
std::vector<std::string> tick_labels(const std::vector<double>& values);

// The vector terminal plots are also drawn with: pdfcairo, else svg; empty name when neither.
struct VectorTerminal {
  std::string name, extension;  // "pdfcairo", ".pdf"
};
const VectorTerminal& vector_terminal();
// Where the vector copy of `png` goes (same name, the terminal's extension); empty when none.
std::filesystem::path vector_path(const std::filesystem::path& png);

// Renders `body` to `png` (width x height pixels) and to vector_path(png). Throws aelab::Error naming the PNG when the
// folder is missing, the size is unreasonable, or gnuplot fails (quoting its error line).
// The caller checks executable() first.
void render(const std::filesystem::path& png, int width, int height, const std::string& body);

// Logs "gnuplot not found" once per process; returns false so plot functions can `return`.
bool warn_unavailable(const std::filesystem::path& png);

}  // namespace aelab::report::gnuplot
