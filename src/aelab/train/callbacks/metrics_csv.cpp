#include "aelab/train/callbacks/metrics_csv.h"

#include <cmath>
#include <iomanip>
#include <sstream>

#include "aelab/core/paths.h"

namespace aelab::train {

std::string metrics_csv_text(const std::vector<EpochRecord>& history) {
  std::vector<std::string> columns;
  for (const auto& r : history) {
    for (const auto& [name, value] : r.values()) {
      bool known = false;
      for (const auto& c : columns) known = known || c == name;
      if (!known) columns.push_back(name);
    }
  }
  std::ostringstream out;
  out << "epoch";
  for (const auto& c : columns) out << ',' << c;
  out << '\n' << std::setprecision(8);
  for (const auto& r : history) {
    out << r.epoch();
    for (const auto& c : columns) {
      out << ',';
      if (r.has(c)) out << r.get(c);  // NaN prints as nan: a value that was computed and failed
    }
    out << '\n';
  }
  return out.str();
}

void MetricsCsv::on_epoch_end(LoopState& state, EpochRecord&) {
  write_file_atomic(file_, metrics_csv_text(state.history));
}

}  // namespace aelab::train
