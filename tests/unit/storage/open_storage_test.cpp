// URL handling and the one-line errors a user sees for bad storage URLs and databases.
#include <gtest/gtest.h>

#include <fstream>

#include "aelab/core/error.h"
#include "aelab/storage/schema.h"
#include "aelab/storage/sql.h"
#include "aelab/storage/storage.h"
#include "backends.h"

namespace aelab::storage {
namespace {

std::string error_of(const std::string& url) {
  try {
    open_storage(url);
  } catch (const Error& error) {
    return error.what();
  }
  return "";
}

std::string error_of_mode(const std::string& url, OpenMode mode) {
  try {
    open_storage(url, mode);
  } catch (const Error& error) {
    return error.what();
  }
  return "";
}

TEST(OpenStorage, RedactsPasswords) {
  EXPECT_EQ(redact_url("postgresql://bob:s3cret@db:5432/x"), "postgresql://bob:***@db:5432/x");
  EXPECT_EQ(redact_url("postgresql://bob@db/x"), "postgresql://bob@db/x");
  EXPECT_EQ(redact_url("sqlite:////tmp/a.db"), "sqlite:////tmp/a.db");
}

TEST(OpenStorage, RejectsUnknownUrls) {
  EXPECT_EQ(error_of("mysql://root@h/db"),
            "storage 'mysql://root@h/db': unsupported URL; expected sqlite:///path/to/file.db, a "
            "path ending in .db, or postgresql://user@host:port/database");
  EXPECT_NE(error_of("study.txt").find("unsupported URL"), std::string::npos);
}

TEST(OpenStorage, AcceptsSqlalchemyAndPlainPaths) {
  auto dir = testing::temp_dir("open-storage");
  auto absolute = "sqlite:///" + (dir / "a.db").string();  // sqlite:////abs/path
  open_storage(absolute)->create_study("s", Direction::kMinimize);
  EXPECT_EQ(open_storage((dir / "a.db").string())->get_all_studies().size(), 1u);
  EXPECT_TRUE(std::filesystem::exists(dir / "a.db"));
}

TEST(OpenStorage, NamesTheUrlAndOperationOnDatabaseErrors) {
  std::string message = error_of("sqlite:////nonexistent-dir/x/study.db");
  EXPECT_NE(message.find("storage sqlite:////nonexistent-dir/x/study.db: open: "), std::string::npos)
      << message;
  auto dir = testing::temp_dir("open-storage-garbage");
  std::ofstream(dir / "bad.db") << "this is not a database, just text that is long enough......";
  message = error_of((dir / "bad.db").string());
  EXPECT_NE(message.find("open: "), std::string::npos) << message;
  EXPECT_NE(message.find("not a database"), std::string::npos) << message;
}

// `aelab study` on a mistyped path: one line naming the file, and no empty database left behind.
TEST(OpenStorage, ExistingModeNamesAMissingFileAndCreatesNone) {
  auto dir = testing::temp_dir("open-storage-existing");
  std::string path = (dir / "nope.db").string();
  try {
    open_storage(path, OpenMode::kExisting);
    ADD_FAILURE() << "no error for a missing database";
  } catch (const Error& error) {
    EXPECT_EQ(std::string(error.what()),
              "storage " + path + ": " + path + ": no such database file");
  }
  EXPECT_FALSE(std::filesystem::exists(path));
  try {
    open_storage("sqlite:///" + path, OpenMode::kExisting);
    ADD_FAILURE() << "no error for a missing database";
  } catch (const Error& error) {
    EXPECT_EQ(std::string(error.what()),
              "storage sqlite:///" + path + ": " + path + ": no such database file");
  }
  EXPECT_FALSE(std::filesystem::exists(path));
  // An empty file is no study database either, and stays empty.
  { std::ofstream touch(path); }
  std::string message;
  try {
    open_storage(path, OpenMode::kExisting);
  } catch (const Error& error) {
    message = error.what();
  }
  EXPECT_EQ(message, "storage " + path + ": " + path + ": the file is empty, not a study database");
  EXPECT_EQ(std::filesystem::file_size(path), 0u);
  // A SQLite database without Optuna's tables is named as such, and gets none.
  open_sqlite_connection(path)->execute_script("CREATE TABLE other (x INTEGER)");
  message = error_of_mode(path, OpenMode::kExisting);
  EXPECT_EQ(message, "storage " + path + ": open: the database holds no studies (no Optuna "
                     "schema); `aelab tune` creates one");
  EXPECT_FALSE(open_sqlite_connection(path)->table_exists("studies"));
}

TEST(OpenStorage, ADirectoryIsNotADatabase) {
  auto dir = testing::temp_dir("open-storage-dir");
  std::filesystem::create_directories(dir / "runs.db");
  std::string path = (dir / "runs.db").string();
  for (OpenMode mode : {OpenMode::kCreate, OpenMode::kExisting}) {
    EXPECT_EQ(error_of_mode(path, mode),
              "storage " + path + ": " + path + " is a directory, expected a SQLite database file");
  }
}

#ifdef AELAB_HAVE_POSTGRES
TEST(OpenStorage, PostgresErrorsNeverShowThePassword) {
  std::string message = error_of("postgresql://postgres:hunter2@127.0.0.1:1/none?connect_timeout=2");
  EXPECT_NE(message.find("storage postgresql://postgres:***@127.0.0.1:1/none"), std::string::npos)
      << message;
  EXPECT_NE(message.find("cannot connect to PostgreSQL"), std::string::npos) << message;
  EXPECT_EQ(message.find("hunter2"), std::string::npos) << message;
}
#endif

TEST(Schema, EmbeddedTextIsTheSqlFile) {
  std::ifstream in(testing::source_dir() / "src/aelab/storage/schema/sqlite.sql");
  std::string file((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(schema_sql("sqlite"), file);
  EXPECT_NE(schema_sql("postgresql").find("CREATE TYPE trialstate AS ENUM"), std::string::npos);
}

}  // namespace
}  // namespace aelab::storage
