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
                                                    "train.lr", "train.optimizer"}));
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
  EXPECT_EQ(csv.substr(0, csv.find('\n')), "number,state,value,duration_s,train.lr,train.optimizer");
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
