#include "aelab/tune/study_report.h"

#include <gtest/gtest.h>

#include "aelab/core/paths.h"
#include "aelab/report/plot.h"
#include "test_paths.h"
#include "tune_test_util.h"

namespace aelab::tune {
namespace {

using testing::make_trial;

std::vector<FrozenTrial> small_study() {
  std::vector<FrozenTrial> trials;
  CategoricalDistribution opt{{std::string("adam"), std::string("sgd")}};
  FloatDistribution lr{1e-4, 1e-1, true, {}};
  for (int i = 0; i < 12; ++i) {
    double x = 1e-4 * std::pow(10.0, 3.0 * i / 11.0);
    bool pruned = i == 5;
    FrozenTrial t = make_trial(i, pruned ? TrialState::kPruned : TrialState::kComplete,
                               pruned ? std::nullopt : std::optional<double>(std::abs(std::log10(x) + 2.5) + (i % 2)),
                               {{"train.lr", x}, {"train.optimizer", double(i % 2)}},
                               {{0, 3.0 - 0.1 * i}, {1, 2.0 - 0.1 * i}});
    t.distributions = {{"train.lr", lr}, {"train.optimizer", opt}};
    t.datetime_start = 1000.0 + i;
    t.datetime_complete = 1001.5 + i;
    trials.push_back(std::move(t));
  }
  trials.push_back(make_trial(12, TrialState::kFail, std::nullopt, {{"train.optimizer", 1.0}}));
  trials.back().distributions = {{"train.optimizer", opt}};
  return trials;
}

TEST(StudyReport, TablesShowStatesValuesAndExternalParameters) {
  auto trials = small_study();
  auto table = trials_table(trials);
  ASSERT_EQ(table.header, (std::vector<std::string>{"number", "state", "value", "duration_s",
                                                    "train.lr", "train.optimizer", "reason"}));
  EXPECT_EQ(table.rows[0][1], "complete");
  EXPECT_EQ(table.rows[0][3], "1.5");
  EXPECT_EQ(table.rows[1][5], "sgd");
  EXPECT_EQ(table.rows[5][1], "pruned");
  EXPECT_EQ(table.rows[5][2], "");
  EXPECT_EQ(table.rows[12][4], "");  // inactive parameter: empty cell
  auto csv = trials_table(trials, true);
  EXPECT_EQ(csv.rows[0][4], "0.0001");
  std::string text = trials_table_text(trials);
  EXPECT_NE(text.find("fail"), std::string::npos);
}

// The pruned trial of small_study() with the reason the runner records, and the failed one with
// Optuna's fail_reason.
std::vector<FrozenTrial> study_with_reasons() {
  auto trials = small_study();
  PruneReason why{"median", 1, 1.5, 0.75, 4, "best value so far 1.5 is above the median 0.75"};
  trials[5].user_attrs[kPruneReasonAttr] = to_json(why).dump();
  trials[12].system_attrs[kFailReasonAttr] = "\"out of memory\"";
  return trials;
}

TEST(StudyReport, TheReasonColumnSaysWhyTrialsWerePrunedOrFailed) {
  auto trials = study_with_reasons();
  auto table = trials_table(trials);
  EXPECT_EQ(table.rows[5].back(),
            "median pruner at step 1: best value so far 1.5 is above the median 0.75");
  EXPECT_EQ(table.rows[12].back(), "out of memory");
  EXPECT_EQ(table.rows[0].back(), "");
  // A prune_reason that is not aelab's object (another tool's attr) leaves the cell empty.
  trials[5].user_attrs[kPruneReasonAttr] = "\"by hand\"";
  EXPECT_EQ(trials_table(trials).rows[5].back(), "");
  EXPECT_FALSE(prune_reason_of(trials[5]));
}

TEST(StudyReport, RecordsHaveTheTableColumnsWithTypedValues) {
  auto trials = study_with_reasons();
  auto records = trials_records(trials);
  ASSERT_EQ(records.size(), trials.size());
  std::vector<std::string> keys;
  for (const auto& [key, value] : records[0].items()) keys.push_back(key);
  auto columns = trials_table(trials).header;
  columns.push_back("prune_reason");
  EXPECT_EQ(keys, columns);
  EXPECT_EQ(records[0]["number"], 0);
  EXPECT_EQ(records[0]["state"], "complete");
  EXPECT_EQ(records[0]["value"], *trials[0].value);
  EXPECT_EQ(records[0]["duration_s"], 1.5);
  EXPECT_EQ(records[0]["train.lr"], 1e-4);
  EXPECT_EQ(records[1]["train.optimizer"], "sgd");
  EXPECT_TRUE(records[0]["reason"].is_null());
  EXPECT_TRUE(records[0]["prune_reason"].is_null());
  EXPECT_TRUE(records[5]["value"].is_null());
  EXPECT_EQ(records[5]["prune_reason"]["threshold"], 0.75);
  EXPECT_EQ(records[5]["prune_reason"]["pruner"], "median");
  EXPECT_EQ(records[12]["reason"], "out of memory");
  EXPECT_TRUE(records[12]["train.lr"].is_null());  // inactive parameter
}

TEST(StudyReport, StudiesTableCountsTrialsByStateAndShowsTheBest) {
  StudyOverview a;
  a.name = "fmnist-cae";
  a.direction = Direction::kMinimize;
  a.trials = {{TrialState::kComplete, 3}, {TrialState::kPruned, 2}, {TrialState::kFail, 1}};
  a.best = make_trial(4, TrialState::kComplete, 0.0163);
  StudyOverview b;
  b.name = "empty";
  b.direction = Direction::kMaximize;
  std::vector<StudyOverview> studies;
  studies.push_back(std::move(a));
  studies.push_back(std::move(b));
  auto table = studies_table(studies);
  EXPECT_EQ(table.header, (std::vector<std::string>{"name", "direction", "trials", "complete",
                                                    "pruned", "fail", "running", "waiting",
                                                    "best_value", "best_trial"}));
  EXPECT_EQ(table.rows[0], (std::vector<std::string>{"fmnist-cae", "minimize", "6", "3", "2", "1",
                                                     "0", "0", "0.0163", "4"}));
  EXPECT_EQ(table.rows[1], (std::vector<std::string>{"empty", "maximize", "0", "0", "0", "0", "0",
                                                     "0", "", ""}));
  auto records = studies_records(studies);
  EXPECT_EQ(records.dump(),
            R"([{"name":"fmnist-cae","direction":"minimize","trials":6,"complete":3,"pruned":2,)"
            R"("fail":1,"running":0,"waiting":0,"best_value":0.0163,"best_trial":4},)"
            R"({"name":"empty","direction":"maximize","trials":0,"complete":0,"pruned":0,)"
            R"("fail":0,"running":0,"waiting":0,"best_value":null,"best_trial":null}])");
}

TEST(StudyReport, WritesTablesBestAndPictures) {
  auto dir = aelab::testing::temp_dir("study-report");
  auto trials = small_study();
  write_study_report(trials, Direction::kMinimize, dir / "report");
  const FrozenTrial* best = best_trial(trials, Direction::kMinimize);
  ASSERT_NE(best, nullptr);
  std::string best_txt = read_file(dir / "report" / "best.txt");
  EXPECT_NE(best_txt.find("trial = " + std::to_string(best->number)), std::string::npos);
  EXPECT_NE(best_txt.find("train.optimizer = \"adam\""), std::string::npos) << best_txt;
  EXPECT_EQ(best->params.at("train.optimizer"), 0.0);
  std::string md = read_file(dir / "report" / "trials.md");
  EXPECT_NE(md.find("| number | state | value |"), std::string::npos) << md;
  std::string csv = read_file(dir / "report" / "trials.csv");
  EXPECT_EQ(csv.substr(0, csv.find('\n')),
            "number,state,value,duration_s,train.lr,train.optimizer,reason");
  EXPECT_EQ(std::count(csv.begin(), csv.end(), '\n'), 14);
  if (!report::plotting_available()) GTEST_SKIP() << "gnuplot not available: pictures skipped";
  for (const char* png : {"history.png", "parallel_coordinates.png", "intermediate_values.png",
                          "importance.png"}) {
    auto path = dir / "report" / png;
    ASSERT_TRUE(std::filesystem::exists(path)) << png;
    EXPECT_EQ(read_file(path).substr(1, 3), "PNG") << png;
  }
}

TEST(StudyReport, ParallelCoordinatesKeepRawValuesOnLogAndCategoricalAxes) {
  auto trials = small_study();
  auto plot = parallel_coordinates_of(trials, Direction::kMinimize);
  EXPECT_EQ(plot.axes, (std::vector<std::string>{"train.lr", "train.optimizer", "objective"}));
  EXPECT_EQ(plot.log_scale, (std::vector<bool>{true, false}));
  EXPECT_EQ(plot.categories,
            (std::vector<std::vector<std::string>>{{}, {"adam", "sgd"}}));
  EXPECT_TRUE(plot.low_on_top);
  // The 11 complete trials (not the pruned trial 5, not the failed 12), values as sampled.
  ASSERT_EQ(plot.rows.size(), 11u);
  ASSERT_EQ(plot.color_values.size(), 11u);
  size_t r = 0;
  for (const auto& t : trials) {
    if (t.state != TrialState::kComplete) continue;
    ASSERT_EQ(plot.rows[r].size(), 3u);
    EXPECT_DOUBLE_EQ(plot.rows[r][0], t.params.at("train.lr")) << "trial " << t.number;
    EXPECT_EQ(plot.rows[r][1], double(t.number % 2)) << "trial " << t.number;
    EXPECT_EQ(plot.rows[r][2], *t.value);
    EXPECT_EQ(plot.color_values[r], *t.value);
    ++r;
  }
  EXPECT_DOUBLE_EQ(plot.rows.front()[0], 1e-4);
  EXPECT_DOUBLE_EQ(plot.rows.back()[0], 1e-1);

  // Numbers and booleans as choices are labeled as written; a missing parameter and an index the
  // choices lack leave no point on their axis.
  CategoricalDistribution width{{int64_t{16}, int64_t{32}, int64_t{64}}};
  CategoricalDistribution norm{{false, true}};
  CategoricalDistribution drop{{0.1, 0.25}};
  std::vector<FrozenTrial> mixed;
  for (int i = 0; i < 3; ++i) {
    const double drop_index = i == 2 ? 5.0 : 1.0;
    auto t = make_trial(i, TrialState::kComplete, 1.0 + i,
                        {{"width", double(i)}, {"norm", double(i % 2)}, {"drop", drop_index}});
    if (i == 1) t.params.erase("drop");
    t.distributions = {{"width", width}, {"norm", norm}, {"drop", drop}};
    mixed.push_back(std::move(t));
  }
  plot = parallel_coordinates_of(mixed, Direction::kMaximize);
  EXPECT_EQ(plot.axes, (std::vector<std::string>{"drop", "norm", "width", "objective"}));
  EXPECT_EQ(plot.categories, (std::vector<std::vector<std::string>>{
                                 {"0.1", "0.25"}, {"false", "true"}, {"16", "32", "64"}}));
  EXPECT_EQ(plot.log_scale, (std::vector<bool>{false, false, false}));
  EXPECT_FALSE(plot.low_on_top);
  ASSERT_EQ(plot.rows.size(), 3u);
  EXPECT_EQ(plot.rows[0], (std::vector<double>{1, 0, 0, 1}));
  EXPECT_TRUE(std::isnan(plot.rows[1][0]));
  EXPECT_TRUE(std::isnan(plot.rows[2][0]));
  EXPECT_EQ(plot.rows[2][2], 2.0);
  if (!report::plotting_available()) GTEST_SKIP() << "gnuplot not available: pictures skipped";
  auto dir = aelab::testing::temp_dir("study-report-parallel");
  EXPECT_TRUE(report::plot_parallel_coordinates(dir / "mixed.png", plot));
  EXPECT_TRUE(report::plot_parallel_coordinates(
      dir / "small.png", parallel_coordinates_of(trials, Direction::kMinimize)));
  EXPECT_EQ(read_file(dir / "small.png").substr(1, 3), "PNG");
}

TEST(StudyReport, SaysSoWhenNothingCompleted) {
  auto dir = aelab::testing::temp_dir("study-report-empty");
  std::vector<FrozenTrial> trials{make_trial(0, TrialState::kFail, std::nullopt)};
  write_study_report(trials, Direction::kMaximize, dir);
  EXPECT_EQ(read_file(dir / "best.txt"), "no completed trial yet (1 trials)\n");
  EXPECT_FALSE(std::filesystem::exists(dir / "history.png"));
}

}  // namespace
}  // namespace aelab::tune
