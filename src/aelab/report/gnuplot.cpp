#include "aelab/report/gnuplot.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <locale>
#include <regex>

#include "aelab/core/error.h"
#include "aelab/core/log.h"
#include "aelab/core/paths.h"
#include "aelab/report/plot.h"
#include "aelab/report/table.h"

extern char** environ;

namespace aelab::report {
namespace gnuplot {
namespace {

namespace fs = std::filesystem;

constexpr int kMinSide = 16;
constexpr int kMaxSide = 16384;

// A temporary file that removes itself; mkstemps gives a unique name even with parallel tests.
class TempFile {
 public:
  explicit TempFile(const std::string& suffix) {
    std::string pattern = (fs::temp_directory_path() / ("aelab-gnuplot-XXXXXX" + suffix)).string();
    const int fd = mkstemps(pattern.data(), static_cast<int>(suffix.size()));
    AELAB_CHECK(fd >= 0, pattern, ": cannot create temporary file: ", std::strerror(errno));
    close(fd);
    path_ = pattern;
  }
  ~TempFile() {
    std::error_code ignored;
    fs::remove(path_, ignored);
  }
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

// Runs `program script` with stdin and stdout on /dev/null and stderr into `stderr_file`;
// returns the exit status (or -1 when it did not exit normally).
int run_gnuplot(const std::string& program, const fs::path& script_file,
                const fs::path& stderr_file) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, stderr_file.c_str(), O_WRONLY | O_TRUNC,
                                   0600);
  std::string arg0 = program, arg1 = script_file.string();
  char* argv[] = {arg0.data(), arg1.data(), nullptr};
  pid_t pid = 0;
  const int spawn_error = posix_spawn(&pid, program.c_str(), &actions, nullptr, argv, environ);
  posix_spawn_file_actions_destroy(&actions);
  AELAB_CHECK(spawn_error == 0, program, ": cannot start gnuplot: ", std::strerror(spawn_error));
  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
    AELAB_CHECK(errno == EINTR, program, ": waiting for gnuplot failed: ", std::strerror(errno));
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// The line of gnuplot's stderr that says what went wrong, with the script line it points at.
std::string explain_failure(const std::string& stderr_text, const std::string& script_text) {
  std::vector<std::string> lines;
  std::istringstream in(stderr_text);
  for (std::string line; std::getline(in, line);) {
    if (line.find_first_not_of(" \t^") != std::string::npos) lines.push_back(line);
  }
  if (lines.empty()) return "gnuplot exited with an error and no message";
  // gnuplot reports errors as: "/tmp/aelab-gnuplot-abc.gp" line 12: undefined variable: foo
  static const std::regex located(R"re(^"[^"]*" line ([0-9]+): (.*)$)re");
  for (const std::string& line : lines) {
    std::smatch match;
    if (!std::regex_match(line, match, located)) continue;
    const int number = std::atoi(match[1].str().c_str());
    std::istringstream script_in(script_text);
    std::string command;
    for (int i = 0; i < number && std::getline(script_in, command);) ++i;
    if (command.size() > 120) command = command.substr(0, 117) + "...";
    return match[2].str() + " (script line " + match[1].str() + ": " + command + ")";
  }
  return lines.back();
}

}  // namespace

std::string executable() {
  std::string program;
  if (const char* env = std::getenv("AELAB_GNUPLOT")) {
    program = env;
  } else {
#ifdef AELAB_GNUPLOT
    program = AELAB_GNUPLOT;
#endif
  }
  if (program.empty() || program == "none") return "";
  if (program.find('/') != std::string::npos) {
    return access(program.c_str(), X_OK) == 0 ? program : "";
  }
  // A bare name ("gnuplot") is looked up on PATH, as a shell would.
  const char* path = std::getenv("PATH");
  std::istringstream dirs(path != nullptr ? path : "");
  for (std::string dir; std::getline(dirs, dir, ':');) {
    if (dir.empty()) continue;
    const std::string candidate = dir + "/" + program;
    if (access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return "";
}

std::string quote(const std::string& text) {
  std::string out = "'";
  for (char c : text) {
    if (c == '\'') {
      out += "''";
    } else if (c == '\n' || c == '\r' || c == '\t') {
      out += ' ';
    } else {
      out += c;
    }
  }
  return out + "'";
}

std::string number(double value) {
  if (!std::isfinite(value)) return "NaN";
  std::ostringstream out = script();
  out.precision(10);
  out << value;
  return out.str();
}

std::ostringstream script() {
  std::ostringstream out;
  out.imbue(std::locale::classic());
  out.precision(10);
  return out;
}

const std::vector<std::string>& palette() {
  static const std::vector<std::string> colors = {"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728",
                                                  "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
                                                  "#bcbd22", "#17becf"};
  return colors;
}

std::string common_style(const std::string& title) {
  std::string out;
  if (!title.empty()) out += "set title " + quote(title) + " font ',14'\n";
  out +=
      "set border 3 lw 1 lc rgb '#404040'\n"
      "set tics nomirror out scale 0.6 textcolor rgb '#202020'\n"
      "set grid back lt 1 lw 1 lc rgb '#e3e3e3'\n"
      "set key noautotitle textcolor rgb '#202020'\n";
  return out;
}

std::vector<double> log_tick_values(double low, double high) {
  if (!(low > 0) || !(high >= low) || high / low >= 1000) return {};
  const std::vector<std::vector<double>> steps = {
      {1, 2, 5}, {1, 2, 3, 5}, {1, 2, 3, 4, 5, 6, 8}, {1, 1.5, 2, 2.5, 3, 4, 5, 6, 7, 8, 9}};
  const int first = static_cast<int>(std::floor(std::log10(low)));
  const int last = static_cast<int>(std::ceil(std::log10(high)));
  for (const auto& mantissas : steps) {
    std::vector<double> ticks;
    for (int exponent = first; exponent <= last; ++exponent) {
      for (double mantissa : mantissas) {
        const double value = mantissa * std::pow(10.0, exponent);
        if (value >= low * (1 - 1e-9) && value <= high * (1 + 1e-9)) ticks.push_back(value);
      }
    }
    if (static_cast<int>(ticks.size()) >= kMinLogTicks) return ticks;
  }
  // Evenly spaced: the largest step of 1, 2 or 5 times a power of ten that fits 4 times.
  const double span = high > low ? high - low : low * 0.1;
  double step = std::pow(10.0, std::floor(std::log10(span / kMinLogTicks)));
  for (double factor : {5.0, 2.0, 1.0}) {
    if (span / (factor * step) >= kMinLogTicks) {  // then at least kMinLogTicks values fit
      step *= factor;
      break;
    }
  }
  std::vector<double> ticks;
  for (double k = std::ceil(low / step); k * step <= high * (1 + 1e-9); ++k) {
    ticks.push_back(k * step);
  }
  return ticks;
}

std::vector<std::string> tick_labels(const std::vector<double>& values) {
  std::vector<std::string> labels;
  for (int digits = 3; digits <= 8; ++digits) {
    labels.clear();
    for (double v : values) labels.push_back(format_number(v, digits));
    std::vector<std::string> sorted = labels;
    std::sort(sorted.begin(), sorted.end());
    if (std::adjacent_find(sorted.begin(), sorted.end()) == sorted.end()) break;
  }
  return labels;
}

const VectorTerminal& vector_terminal() {
  static const VectorTerminal chosen = [] {
    const std::string program = executable();
    if (program.empty()) return VectorTerminal{};
    // Debian's gnuplot-nox and gnuplot-qt both have pdfcairo; builds without cairo still have svg.
    for (const VectorTerminal& candidate : {VectorTerminal{"pdfcairo", ".pdf"},
                                            VectorTerminal{"svg", ".svg"}}) {
      TempFile probe(".gp"), errors(".err");
      write_file_atomic(probe.path(), "set terminal " + candidate.name + "\n");
      if (run_gnuplot(program, probe.path(), errors.path()) == 0) return candidate;
    }
    log::warn(program + " has neither the pdfcairo nor the svg terminal; plots are PNG only");
    return VectorTerminal{};
  }();
  return chosen;
}

fs::path vector_path(const fs::path& png) {
  const VectorTerminal& terminal = vector_terminal();
  if (terminal.name.empty()) return {};
  fs::path out = png;
  return out.replace_extension(terminal.extension);
}

void render(const fs::path& png, int width, int height, const std::string& body) {
  AELAB_CHECK(width >= kMinSide && width <= kMaxSide && height >= kMinSide && height <= kMaxSide,
              png.string(), ": plot size ", width, "x", height, " is outside ", kMinSide, "..",
              kMaxSide, " pixels");
  const fs::path folder = png.has_parent_path() ? png.parent_path() : fs::path(".");
  std::error_code ec;
  AELAB_CHECK(fs::is_directory(folder, ec), png.string(), ": cannot write plot: folder ",
              folder.string(), " does not exist");
  const std::string program = executable();
  AELAB_CHECK(!program.empty(), png.string(), ": cannot plot: gnuplot is not available");

  // The same script body draws both files, so the PDF (or SVG) shows exactly what the PNG shows;
  // a point of the vector file stands for a pixel of the PNG, as cairo's PNG terminal draws.
  const fs::path vector = vector_path(png);
  std::vector<std::pair<fs::path, fs::path>> outputs{{png.string() + ".tmp", png}};
  if (!vector.empty()) outputs.emplace_back(vector.string() + ".tmp", vector);
  std::ostringstream text = script();
  text << "set encoding utf8\n";
  for (const auto& [tmp, final_path] : outputs) {
    if (final_path == png) {
      text << "set terminal pngcairo noenhanced truecolor size " << width << "," << height;
    } else if (vector_terminal().name == "pdfcairo") {
      text << "set terminal pdfcairo noenhanced size " << width / 72.0 << "in," << height / 72.0
           << "in";
    } else {
      text << "set terminal svg noenhanced size " << width << "," << height
           << " dynamic background '#ffffff'";
    }
    text << " font 'Sans,10' linewidth 1.2\n"
         << "set output " << quote(tmp.string()) << "\n"
         << body << "\nunset output\n";
  }
  const std::string script_text = text.str();
  auto remove_temporaries = [&] {
    std::error_code ignored;
    for (const auto& output : outputs) fs::remove(output.first, ignored);
  };

  TempFile script_file(".gp");
  TempFile stderr_file(".err");
  write_file_atomic(script_file.path(), script_text);
  const int status = run_gnuplot(program, script_file.path(), stderr_file.path());
  const std::string errors = read_file(stderr_file.path());
  if (status != 0) {
    remove_temporaries();
    AELAB_FAIL(png.string(), ": gnuplot failed: ", explain_failure(errors, script_text));
  }
  if (!errors.empty()) log::debug(png.string() + ": gnuplot said: " + errors);
  for (const auto& [tmp, final_path] : outputs) {
    if (fs::file_size(tmp, ec) == 0 || ec) {
      remove_temporaries();
      AELAB_FAIL(final_path.string(), ": gnuplot wrote no picture (",
                 explain_failure(errors, script_text), ")");
    }
  }
  for (const auto& [tmp, final_path] : outputs) {
    fs::rename(tmp, final_path, ec);
    if (ec) {
      remove_temporaries();
      AELAB_FAIL(final_path.string(), ": cannot rename temporary plot into place: ", ec.message());
    }
  }
}

bool warn_unavailable(const fs::path& png) {
  static std::atomic<bool> warned{false};
  if (!warned.exchange(true)) {
    log::warn("gnuplot not found (set AELAB_GNUPLOT to its path); skipping plots such as " +
              png.string());
  }
  return false;
}

}  // namespace gnuplot

bool plotting_available() { return !gnuplot::executable().empty(); }

}  // namespace aelab::report
