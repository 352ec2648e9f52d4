// Optuna's schema revisions, on SQLite and PostgreSQL: aelab creates v3.0.0.d, reads and writes a
// database of every revision it knows without changing its revision, upgrades one only when
// asked, and refuses older, unknown and foreign databases with one line naming them. The
// databases of each revision are built here from that revision's DDL, the way Optuna builds
// them: by migrating from v3.0.0.d, or afresh.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>

#include "aelab/core/error.h"
#include "aelab/storage/schema.h"
#include "aelab/storage/schema_revisions.h"
#include "aelab/storage/storage.h"
#include "backends.h"
#include "error_of.h"

namespace aelab::storage {
namespace {

using testing::BackendTest;
using testing::connect;
using testing::error_of;

// How a database of a revision came to be.
enum class Made {
  kMigrated,  // created at v3.0.0.d, then `optuna storage upgrade`: the migration files in order
  kAfresh,    // created by that Optuna release from its models (differs in index names only)
};

// SQLAlchemy names an index from `index=True` ix_<table>_<column>; Optuna 3.2+ declares one on
// trials.study_id, so a database it creates afresh has this instead of the migration's name.
constexpr const char* kAfreshIndexDdl = "CREATE INDEX ix_trials_study_id ON trials (study_id)";

// Builds revision `id` in the empty database at `url` without going through aelab's storage.
void make_database(const std::string& url, const std::string& id, Made made) {
  auto db = connect(url);
  db->execute_script(schema_sql(db->dialect()));
  std::string library = "3.1.0";
  for (const auto& revision : known_revisions()) {
    if (!revision.migration.empty()) {
      db->execute_script(made == Made::kAfresh ? kAfreshIndexDdl : schema_file(revision.migration));
      library = "3.2.0";
    }
    if (revision.id == id) break;
  }
  db->execute("INSERT INTO version_info (version_info_id, schema_version, library_version) "
              "VALUES (1, 12, ?)",
              {library});
  db->execute("INSERT INTO alembic_version (version_num) VALUES (?)", {id});
}

std::string revision_in(const std::string& url) {
  return as_text(connect(url)->query("SELECT version_num FROM alembic_version").at(0).at(0));
}

// The names of the indexes on `trials`, sorted.
std::vector<std::string> trial_indexes(const std::string& url) {
  auto db = connect(url);
  SqlRows rows = db->dialect() == "sqlite"
                     ? db->query("SELECT name FROM sqlite_master WHERE type = 'index' AND "
                                 "tbl_name = 'trials' AND sql IS NOT NULL")
                     : db->query("SELECT indexname FROM pg_indexes WHERE tablename = 'trials' AND "
                                 "schemaname = current_schema() AND indexname <> 'trials_pkey'");
  std::vector<std::string> names;
  for (const auto& row : rows) names.push_back(as_text(row[0]));
  std::sort(names.begin(), names.end());
  return names;
}

// A short study through aelab: every kind of write a tune run makes.
void run_a_study(Storage& storage) {
  int64_t study = storage.load_or_create_study("revisions", Direction::kMinimize);
  for (int i = 0; i < 3; ++i) {
    auto id = storage.claim_trial(study, 3, true, {{"worker_host", "h"}});
    ASSERT_TRUE(id);
    storage.set_trial_param(*id, "x", 0.5 * i, study::FloatDistribution{0, 1, false, {}});
    storage.set_trial_intermediate_value(*id, 0, 1.0 + i);
    storage.set_trial_user_attr(*id, "epochs", 1);
    storage.set_trial_state_values(*id, i == 2 ? TrialState::kPruned : TrialState::kComplete,
                                   1.0 + i);
  }
  storage.set_study_user_attr(study, "note", "x");
}

template <typename Backend>
class SchemaRevisions : public BackendTest<Backend> {};
TYPED_TEST_SUITE(SchemaRevisions, testing::Backends, testing::BackendNames);

TYPED_TEST(SchemaRevisions, CreatesTheRevisionDebiansOptunaReads) {
  auto storage = open_storage(this->url_);
  EXPECT_EQ(storage->schema_revision(), "v3.0.0.d");
  EXPECT_EQ(revision_in(this->url_), "v3.0.0.d");
  EXPECT_EQ(created_revision().id, "v3.0.0.d");
  EXPECT_TRUE(trial_indexes(this->url_).empty());
}

TYPED_TEST(SchemaRevisions, ReadsAndWritesEveryKnownRevisionWithoutChangingIt) {
  ASSERT_GE(known_revisions().size(), 2u);
  for (const auto& revision : known_revisions()) {
    for (Made made : {Made::kMigrated, Made::kAfresh}) {
      if (made == Made::kAfresh && revision.migration.empty()) continue;  // same as migrated
      SCOPED_TRACE(revision.id + (made == Made::kAfresh ? " (afresh)" : " (migrated)"));
      std::string url = this->backend_.create();
      make_database(url, revision.id, made);
      auto before = trial_indexes(url);
      {
        auto storage = open_storage(url);
        EXPECT_EQ(storage->schema_revision(), revision.id);
        run_a_study(*storage);
      }
      auto storage = open_storage(url, OpenMode::kExisting);
      int64_t study = storage->get_study_id("revisions");
      auto trials = storage->get_all_trials(study);
      ASSERT_EQ(trials.size(), 3u);
      EXPECT_EQ(trials[1].params.at("x"), 0.5);
      EXPECT_EQ(trials[2].state, TrialState::kPruned);
      EXPECT_EQ(trials[2].intermediate_values.at(0), 3.0);
      EXPECT_EQ(storage->get_n_trials(study, {TrialState::kComplete}), 2);
      EXPECT_EQ(revision_in(url), revision.id) << "aelab changed the database's revision";
      EXPECT_EQ(trial_indexes(url), before);
    }
  }
}

TYPED_TEST(SchemaRevisions, TheMigrationAddsTheIndexOptunaExpects) {
  make_database(this->url_, "v3.2.0.a", Made::kMigrated);
  EXPECT_EQ(trial_indexes(this->url_), std::vector<std::string>{"trials_study_id_key"});
}

TYPED_TEST(SchemaRevisions, UpgradesOnlyWhenAskedAndNeverDowngrades) {
  auto storage = open_storage(this->url_);
  run_a_study(*storage);
  EXPECT_EQ(storage->upgrade_schema(newest_revision().id), "v3.0.0.d");
  EXPECT_EQ(storage->schema_revision(), newest_revision().id);
  EXPECT_EQ(revision_in(this->url_), "v3.2.0.a");
  EXPECT_EQ(trial_indexes(this->url_), std::vector<std::string>{"trials_study_id_key"});
  // The study is intact and goes on.
  auto reopened = open_storage(this->url_, OpenMode::kExisting);
  int64_t study = reopened->get_study_id("revisions");
  EXPECT_EQ(reopened->get_n_trials(study), 3);
  EXPECT_TRUE(reopened->claim_trial(study, 4, false));
  // Upgrading again changes nothing; going back is refused.
  EXPECT_EQ(reopened->upgrade_schema("v3.2.0.a"), "v3.2.0.a");
  EXPECT_EQ(trial_indexes(this->url_), std::vector<std::string>{"trials_study_id_key"});
  std::string message = error_of([&] { reopened->upgrade_schema("v3.0.0.d"); });
  EXPECT_NE(message.find("newer than v3.0.0.d; aelab never downgrades"), std::string::npos)
      << message;
  EXPECT_NE(error_of([&] { reopened->upgrade_schema("v3.4.0.a"); })
                .find("cannot upgrade to schema revision 'v3.4.0.a'"),
            std::string::npos);
  EXPECT_EQ(revision_in(this->url_), "v3.2.0.a");
}

TYPED_TEST(SchemaRevisions, RefusesUnknownOlderAndForeignDatabasesInOneLine) {
  const std::string url = this->url_;
  make_database(url, "v3.2.0.a", Made::kMigrated);
  auto stamp = [&](const std::string& id) {
    connect(url)->execute("UPDATE alembic_version SET version_num = ?", {id});
  };
  // A newer Optuna's revision (v3.4.0.a was proposed in optuna#4822, never released).
  stamp("v3.4.0.a");
  for (OpenMode mode : {OpenMode::kCreate, OpenMode::kExisting}) {
    EXPECT_EQ(error_of([&] { open_storage(url, mode); }),
              "storage " + url + ": open: schema revision 'v3.4.0.a' is unknown to this aelab, "
              "which reads Optuna's v3.0.0.d (Optuna 3.0 to 3.1), v3.2.0.a (Optuna 3.2 and "
              "later): the database comes from a newer Optuna, or is not an Optuna study database");
  }
  EXPECT_EQ(revision_in(url), "v3.4.0.a");
  // An older Optuna's: upgrade it with Optuna.
  stamp("v2.6.0.a");
  std::string message = error_of([&] { open_storage(url); });
  EXPECT_NE(message.find("storage " + url + ": open: schema revision 'v2.6.0.a' is from before "
                         "Optuna 3.0 (aelab reads v3.0.0.d"),
            std::string::npos)
      << message;
  EXPECT_NE(message.find("optuna storage upgrade --storage <url>"), std::string::npos) << message;
  EXPECT_EQ(message.find('\n'), std::string::npos);
  EXPECT_EQ(revision_in(url), "v2.6.0.a");
}

TYPED_TEST(SchemaRevisions, AnotherToolsAlembicDatabaseIsNotAStudyDatabase) {
  auto db = connect(this->url_);
  db->execute_script(
      "CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL PRIMARY KEY);"
      "INSERT INTO alembic_version VALUES ('3f2a9c1b7e4d');"
      "CREATE TABLE users (id INTEGER PRIMARY KEY)");
  EXPECT_NE(error_of([&] { open_storage(this->url_, OpenMode::kExisting); })
                .find("schema revision '3f2a9c1b7e4d' is unknown to this aelab"),
            std::string::npos);
  db->execute("UPDATE alembic_version SET version_num = 'v3.0.0.d'");
  EXPECT_EQ(error_of([&] { open_storage(this->url_); }),
            "storage " + this->url_ + ": open: the database has an alembic_version (v3.0.0.d) but "
            "no Optuna studies/trials tables: not an Optuna study database");
  EXPECT_FALSE(connect(this->url_)->table_exists("studies"));
}

TEST(SchemaFiles, EveryRevisionAfterTheFirstHasItsMigrationFile) {
  const auto& revisions = known_revisions();
  EXPECT_TRUE(revisions.front().migration.empty());
  for (size_t i = 1; i < revisions.size(); ++i) {
    ASSERT_FALSE(revisions[i].migration.empty()) << revisions[i].id;
    std::ifstream in(testing::source_dir() / "src/aelab/storage/schema" / revisions[i].migration);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    EXPECT_FALSE(text.empty()) << revisions[i].migration;
    EXPECT_EQ(schema_file(revisions[i].migration), text) << "embedded text differs from the file";
  }
  EXPECT_EQ(newest_revision().id, "v3.2.0.a");
  EXPECT_EQ(error_of([] { schema_file("migrations/v9.sql"); }),
            "no schema file 'migrations/v9.sql' in this build");
}

}  // namespace
}  // namespace aelab::storage
