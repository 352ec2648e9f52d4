// SQLite driver: the sqlite3 C API, one prepared statement per call (statements are short and
// few per operation, so a statement cache would not pay for its code).
#include <sqlite3.h>

#include <string>

#include "aelab/storage/sql.h"

namespace aelab::storage {
namespace {

// How long a connection waits for another process's write lock before SQLITE_BUSY reaches us;
// with_write_transaction() retries beyond that.
constexpr int kBusyTimeoutMs = 10000;

bool is_retryable_code(int code) {
  int primary = code & 0xff;
  return primary == SQLITE_BUSY || primary == SQLITE_LOCKED;
}

class Statement {
 public:
  Statement(sqlite3* db, const std::string& sql) : db_(db) {
    int rc = sqlite3_prepare_v2(db, sql.c_str(), static_cast<int>(sql.size()), &stmt_, nullptr);
    if (rc != SQLITE_OK) fail(rc, "prepare");
  }
  ~Statement() { sqlite3_finalize(stmt_); }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  void bind(const std::vector<SqlValue>& params) {
    for (size_t i = 0; i < params.size(); ++i) {
      int index = static_cast<int>(i) + 1;
      int rc = SQLITE_OK;
      const SqlValue& value = params[i];
      if (auto* n = std::get_if<int64_t>(&value)) {
        rc = sqlite3_bind_int64(stmt_, index, *n);
      } else if (auto* d = std::get_if<double>(&value)) {
        rc = sqlite3_bind_double(stmt_, index, *d);
      } else if (auto* s = std::get_if<std::string>(&value)) {
        rc = sqlite3_bind_text(stmt_, index, s->data(), static_cast<int>(s->size()),
                               SQLITE_TRANSIENT);
      } else {
        rc = sqlite3_bind_null(stmt_, index);
      }
      if (rc != SQLITE_OK) fail(rc, "bind");
    }
  }

  // Steps to completion, collecting rows.
  SqlRows run() {
    SqlRows rows;
    for (;;) {
      int rc = sqlite3_step(stmt_);
      if (rc == SQLITE_DONE) return rows;
      if (rc != SQLITE_ROW) fail(rc, "step");
      int columns = sqlite3_column_count(stmt_);
      SqlRow row(columns);
      for (int c = 0; c < columns; ++c) {
        switch (sqlite3_column_type(stmt_, c)) {
          case SQLITE_INTEGER: row[c] = static_cast<int64_t>(sqlite3_column_int64(stmt_, c)); break;
          case SQLITE_FLOAT: row[c] = sqlite3_column_double(stmt_, c); break;
          case SQLITE_NULL: break;
          default: {
            auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, c));
            row[c] = std::string(text, sqlite3_column_bytes(stmt_, c));
          }
        }
      }
      rows.push_back(std::move(row));
    }
  }

 private:
  [[noreturn]] void fail(int rc, const char* what) {
    throw SqlError(std::string("sqlite ") + what + ": " + sqlite3_errmsg(db_),
                   is_retryable_code(rc));
  }
  sqlite3* db_;
  sqlite3_stmt* stmt_ = nullptr;
};

class SqliteConnection : public SqlConnection {
 public:
  explicit SqliteConnection(const std::string& path) {
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX;
    int rc = sqlite3_open_v2(path.c_str(), &db_, flags, nullptr);
    if (rc != SQLITE_OK) {
      std::string message = db_ ? sqlite3_errmsg(db_) : "out of memory";
      sqlite3_close(db_);
      throw SqlError("cannot open SQLite database: " + message, false);
    }
    sqlite3_busy_timeout(db_, kBusyTimeoutMs);
    // WAL: readers (samplers reading the history) never block the writer, and a commit costs one
    // fsync of the log instead of two of the database; NORMAL sync keeps the file consistent on a
    // crash (only the last commits can be lost on power failure). Optuna reads WAL files as is.
    execute_script("PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL;");
    if (path != ":memory:") {
      try {
        execute_script("PRAGMA journal_mode = WAL;");
      } catch (const SqlError&) {
        // Another process is converting the file at this moment; its WAL mode applies to us too.
      }
    }
  }
  ~SqliteConnection() override { sqlite3_close(db_); }

  void execute_script(const std::string& sql) override {
    char* message = nullptr;
    int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &message);
    if (rc != SQLITE_OK) {
      std::string text = message ? message : sqlite3_errstr(rc);
      sqlite3_free(message);
      throw SqlError("sqlite: " + text, is_retryable_code(rc));
    }
  }

  int64_t execute(const std::string& sql, const std::vector<SqlValue>& params) override {
    Statement statement(db_, sql);
    statement.bind(params);
    statement.run();
    return sqlite3_changes(db_);
  }

  SqlRows query(const std::string& sql, const std::vector<SqlValue>& params) override {
    Statement statement(db_, sql);
    statement.bind(params);
    return statement.run();
  }

  int64_t insert(const std::string& sql, const std::vector<SqlValue>& params,
                 const std::string& /*id_column*/) override {
    execute(sql, params);
    return sqlite3_last_insert_rowid(db_);
  }

  void begin_write() override { execute_script("BEGIN IMMEDIATE"); }
  void commit() override { execute_script("COMMIT"); }
  void rollback() override {
    if (!sqlite3_get_autocommit(db_)) execute_script("ROLLBACK");
  }
  void lock_schema() override {}

  bool table_exists(const std::string& table) override {
    return !query("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", {table}).empty();
  }

  std::string lock_suffix() const override { return ""; }
  // SQLAlchemy stores SQLite datetimes as 'YYYY-MM-DD HH:MM:SS.ffffff'; %f gives milliseconds.
  std::string now_expression() const override {
    return "(strftime('%Y-%m-%d %H:%M:%f', 'now') || '000')";
  }
  std::string dialect() const override { return "sqlite"; }

 private:
  sqlite3* db_ = nullptr;
};

}  // namespace

std::unique_ptr<SqlConnection> open_sqlite_connection(const std::string& path) {
  return std::make_unique<SqliteConnection>(path);
}

}  // namespace aelab::storage
