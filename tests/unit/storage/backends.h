#pragma once
// The two databases every storage test runs against. Each test gets a fresh, empty database:
// a new SQLite file in its own temp dir, or a new PostgreSQL schema (selected through the URL's
// search_path option) in the test server from scripts/start_postgres.sh.
#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <cstdlib>
#include <string>
#include <vector>
#include <unistd.h>

#include "aelab/storage/sql.h"
#include "test_paths.h"

namespace aelab::testing {

inline std::string unique_suffix() {
  static std::atomic<int> counter{0};
  return std::to_string(getpid()) + "_" + std::to_string(counter++);
}

struct SqliteBackend {
  static constexpr const char* kName = "sqlite";
  // Empty string when available; otherwise why not.
  static std::string unavailable() { return ""; }
  std::string create() {
    dir_ = temp_dir("storage-" + unique_suffix());
    return "sqlite:///" + (dir_ / "study.db").string();
  }
  void destroy() { std::filesystem::remove_all(dir_); }
  std::filesystem::path dir_;
};

inline std::string postgres_base_url() {
  const char* env = std::getenv("AELAB_TEST_POSTGRES");
  return env && *env ? env : "postgresql://postgres@127.0.0.1:55432/aelab_test";
}

struct PostgresBackend {
  static constexpr const char* kName = "postgresql";
  static std::string unavailable() {
#ifndef AELAB_HAVE_POSTGRES
    return "aelab was built without PostgreSQL support";
#else
    static std::string why = [] {
      try {
        storage::open_postgres_connection(postgres_base_url());
        return std::string();
      } catch (const std::exception& error) {
        return "PostgreSQL test server " + postgres_base_url() + " unreachable (" + error.what() +
               "); start it with scripts/start_postgres.sh";
      }
    }();
    return why;
#endif
  }
  // Commits need not reach the disk in tests (synchronous_commit=off keeps them atomic).
  std::string create() {
    std::string schema = "aelab_t_" + unique_suffix();
    storage::open_postgres_connection(postgres_base_url())
        ->execute_script("DROP SCHEMA IF EXISTS " + schema + " CASCADE; CREATE SCHEMA " + schema);
    created_schemas().push_back(schema);
    std::string base = postgres_base_url();
    return base + (base.find('?') == std::string::npos ? "?" : "&") +
           "options=-csearch_path%3D" + schema + "%20-csynchronous_commit%3Doff";
  }
  // Dropping costs as much as creating on a busy machine: all schemas go at once, at exit.
  void destroy() {}
  static std::vector<std::string>& created_schemas() {
    static std::vector<std::string> names;
    return names;
  }
  static void drop_created_schemas() {
    if (created_schemas().empty()) return;
    std::string names;
    for (const auto& name : created_schemas()) names += (names.empty() ? "" : ", ") + name;
    try {
      storage::open_postgres_connection(postgres_base_url())
          ->execute_script("DROP SCHEMA IF EXISTS " + names + " CASCADE");
    } catch (...) {
    }
    created_schemas().clear();
  }
};

// Fixture base: url_ is a fresh database of the backend; skips visibly when it is unavailable.
template <typename Backend>
class BackendTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string why = Backend::unavailable();
    if (!why.empty()) GTEST_SKIP() << why;
    url_ = backend_.create();
  }
  void TearDown() override {
    if (!url_.empty()) backend_.destroy();
  }
  Backend backend_;
  std::string url_;
};

class DropPostgresSchemas : public ::testing::Environment {
 public:
  void TearDown() override {
#ifdef AELAB_HAVE_POSTGRES
    PostgresBackend::drop_created_schemas();
#endif
  }
};
inline ::testing::Environment* const kDropPostgresSchemas =
    ::testing::AddGlobalTestEnvironment(new DropPostgresSchemas);

// A raw connection to the database behind a test URL, for building databases by hand (other
// revisions, other tools' tables) and looking at what aelab left in them.
inline std::unique_ptr<storage::SqlConnection> connect(const std::string& url) {
  if (url.rfind("sqlite:///", 0) == 0) return storage::open_sqlite_connection(url.substr(10));
#ifdef AELAB_HAVE_POSTGRES
  return storage::open_postgres_connection(url);
#else
  throw std::runtime_error("no PostgreSQL support in this build: " + url);
#endif
}

using Backends = ::testing::Types<SqliteBackend, PostgresBackend>;

struct BackendNames {
  template <typename T>
  static std::string GetName(int) {
    return T::kName;
  }
};

}  // namespace aelab::testing
