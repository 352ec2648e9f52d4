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

TEST(StudyReport, SaysSoWhenNothingCompleted) {
  auto dir = aelab::testing::temp_dir("study-report-empty");
  std::vector<FrozenTrial> trials{make_trial(0, TrialState::kFail, std::nullopt)};
  write_study_report(trials, Direction::kMaximize, dir);
  EXPECT_EQ(read_file(dir / "best.txt"), "no completed trial yet (1 trials)\n");
  EXPECT_FALSE(std::filesystem::exists(dir / "history.png"));
}

}  // namespace
}  // namespace aelab::tune
