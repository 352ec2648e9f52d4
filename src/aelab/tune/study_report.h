#pragma once
// What a study leaves behind for people: a table of its trials (terminal text, trials.md,
// trials.csv), best.txt with the best trial's parameters as `key = value` lines ready for
// `--set`, and pictures: optimization history with the best-so-far line, parallel coordinates
// colored by value, intermediate values per trial and parameter importance. Pictures need
// gnuplot (report/plot.h) and are skipped without it; the text files are always written.
#include <filesystem>
#include <string>
#include <vector>

#include "aelab/report/table.h"
#include "aelab/tune/trial.h"

namespace aelab::tune {

// One row per trial: number, state, value, duration (s), then one column per parameter (in order
// of first appearance) with its external value; cells of inactive parameters are empty.
// `full_precision` writes numbers so they read back exactly (for CSV).
report::Table trials_table(const std::vector<FrozenTrial>& trials, bool full_precision = false);
std::string trials_table_text(const std::vector<FrozenTrial>& trials);

// The best completed trial for `direction`, nullptr when none completed with a finite value.
const FrozenTrial* best_trial(const std::vector<FrozenTrial>& trials, Direction direction);

// Writes trials.md, trials.csv, best.txt, history.png, parallel_coordinates.png,
// intermediate_values.png (when any trial reported) and importance.png (when computable) into
// `out_dir`, creating it.
void write_study_report(const std::vector<FrozenTrial>& trials, Direction direction,
                        const std::filesystem::path& out_dir);

}  // namespace aelab::tune
