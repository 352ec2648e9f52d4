#pragma once
// What a study leaves behind for people: a table of its trials (terminal text, trials.md,
// trials.csv, JSON records), best.txt with the best trial's parameters as `key = value` lines
// ready for `--set`, the list of a storage's studies, and pictures: optimization history with
// the best-so-far line, parallel coordinates colored by value, intermediate values per trial and
// parameter importance. Pictures need gnuplot (report/plot.h) and are skipped without it; the
// text files are always written.
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "aelab/report/plot.h"
#include "aelab/report/table.h"
#include "aelab/tune/pruners/prune_reason.h"
#include "aelab/tune/trial.h"

namespace aelab::storage {
class Storage;
}

namespace aelab::tune {

// One row per trial: number, state, value, duration (s), then one column per parameter (in order
// of first appearance) with its external value (cells of inactive parameters are empty), then
// `reason`: why a pruned trial was pruned (its prune_reason, as text) or why a failed one failed
// (its fail_reason). `full_precision` writes numbers so they read back exactly (for CSV).
report::Table trials_table(const std::vector<FrozenTrial>& trials, bool full_precision = false);
std::string trials_table_text(const std::vector<FrozenTrial>& trials);

// The same trials as JSON records, one object per row with the columns of trials_table and typed
// values (numbers, strings, booleans, null for empty cells), in the table's column order, plus
// `prune_reason`: the object the pruner recorded, or null. What
// `pandas.read_json(text, orient="records")` reads.
nlohmann::ordered_json trials_records(const std::vector<FrozenTrial>& trials);

// What a pruned trial recorded about why (the user attr prune_reason), when it did.
std::optional<PruneReason> prune_reason_of(const FrozenTrial& trial);

// One line per study of a storage, as `aelab studies` lists them.
struct StudyOverview {
  std::string name;
  Direction direction = Direction::kMinimize;
  std::map<TrialState, int64_t> trials;  // how many trials are in each state
  std::optional<FrozenTrial> best;       // the best COMPLETE trial, if any
};
std::vector<StudyOverview> study_overviews(storage::Storage& storage);
// Columns: name, direction, trials, complete, pruned, fail, running, waiting, best_value,
// best_trial (empty when none completed).
report::Table studies_table(const std::vector<StudyOverview>& studies, bool full_precision = false);
// The same columns as JSON records (counts as numbers, null where the table is empty).
nlohmann::ordered_json studies_records(const std::vector<StudyOverview>& studies);

// The best completed trial for `direction`, nullptr when none completed with a finite value.
const FrozenTrial* best_trial(const std::vector<FrozenTrial>& trials, Direction direction);

// The parallel-coordinates plot of the complete trials with a finite value: one axis per
// parameter (in order of first appearance, named as the parameter) and "objective" last, lines
// colored by value. Values are the parameters' own: log-distributed parameters on a log axis
// (log_scale), categorical ones on an axis labeled with their choices (categories, rows hold the
// choice's index); a parameter a trial lacks is NaN there. The distribution is the latest trial's.
report::ParallelCoordinates parallel_coordinates_of(const std::vector<FrozenTrial>& trials,
                                                   Direction direction);

// Writes trials.md, trials.csv, best.txt, history.png, parallel_coordinates.png,
// intermediate_values.png (when any trial reported) and importance.png (when computable) into
// `out_dir`, creating it.
void write_study_report(const std::vector<FrozenTrial>& trials, Direction direction,
                        const std::filesystem::path& out_dir);

}  // namespace aelab::tune
