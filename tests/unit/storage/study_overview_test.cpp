// study_overviews() over both databases: what `aelab studies` lists comes from the storage.
#include <gtest/gtest.h>

#include "aelab/storage/storage.h"
#include "aelab/tune/study_report.h"
#include "backends.h"

namespace aelab::tune {
namespace {

using storage::open_storage;
using testing::BackendTest;

template <typename Backend>
class StudyOverviews : public BackendTest<Backend> {};
TYPED_TEST_SUITE(StudyOverviews, testing::Backends, testing::BackendNames);

TYPED_TEST(StudyOverviews, CountTrialsByStateAndFindTheBest) {
  auto storage = open_storage(this->url_);
  int64_t a = storage->create_study("a", Direction::kMaximize);
  storage->create_study("b", Direction::kMinimize);
  const std::pair<TrialState, std::optional<double>> outcomes[] = {
      {TrialState::kComplete, 0.5}, {TrialState::kComplete, 0.9}, {TrialState::kPruned, 0.95},
      {TrialState::kFail, std::nullopt}, {TrialState::kRunning, std::nullopt}};
  for (const auto& [state, value] : outcomes) {
    int64_t id = storage->create_new_trial(a);
    if (state != TrialState::kRunning) storage->set_trial_state_values(id, state, value);
  }
  FrozenTrial waiting;
  waiting.state = TrialState::kWaiting;
  storage->create_new_trial(a, waiting);

  auto studies = study_overviews(*storage);
  ASSERT_EQ(studies.size(), 2u);
  EXPECT_EQ(studies[0].name, "a");
  EXPECT_EQ(studies[0].direction, Direction::kMaximize);
  EXPECT_EQ(studies[0].trials, (std::map<TrialState, int64_t>{{TrialState::kComplete, 2},
                                                              {TrialState::kPruned, 1},
                                                              {TrialState::kFail, 1},
                                                              {TrialState::kRunning, 1},
                                                              {TrialState::kWaiting, 1}}));
  ASSERT_TRUE(studies[0].best);
  EXPECT_EQ(studies[0].best->number, 1);  // 0.9, maximized; the pruned 0.95 does not count
  EXPECT_TRUE(studies[1].trials.empty());
  EXPECT_FALSE(studies[1].best);
  EXPECT_EQ(studies_table(studies).rows[0][2], "6");
}

}  // namespace
}  // namespace aelab::tune
