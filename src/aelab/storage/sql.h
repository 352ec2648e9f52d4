#pragma once
// The tiny SQL layer under the study storage: one connection interface, two drivers (SQLite and
// PostgreSQL). Statements are written once in portable SQL with `?` placeholders; a driver
// translates placeholders and supplies the few phrases that differ (row locks, "now", upserts
// work the same in both). Errors are SqlError; the storage turns them into one aelab::Error.
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <variant>
#include <vector>

namespace aelab::storage {

// A bound parameter or a result cell. PostgreSQL hands every cell back as text; the accessors
// below convert, so callers never care which driver produced a row.
using SqlValue = std::variant<std::monostate, int64_t, double, std::string>;
using SqlRow = std::vector<SqlValue>;
using SqlRows = std::vector<SqlRow>;

bool is_null(const SqlValue& value);
int64_t as_int(const SqlValue& value);
double as_double(const SqlValue& value);
std::string as_text(const SqlValue& value);

class SqlError : public std::runtime_error {
 public:
  // `retryable`: the database gave up for reasons of concurrency (busy, deadlock, serialization);
  // running the whole transaction again is expected to succeed.
  SqlError(const std::string& message, bool retryable)
      : std::runtime_error(message), retryable_(retryable) {}
  bool retryable() const { return retryable_; }

 private:
  bool retryable_;
};

class SqlConnection {
 public:
  virtual ~SqlConnection() = default;
  // Runs `sql` (several statements, no parameters), e.g. the schema file.
  virtual void execute_script(const std::string& sql) = 0;
  // Runs one statement; returns the number of rows it changed.
  virtual int64_t execute(const std::string& sql, const std::vector<SqlValue>& params = {}) = 0;
  virtual SqlRows query(const std::string& sql, const std::vector<SqlValue>& params = {}) = 0;
  // Runs an INSERT and returns the generated value of `id_column`.
  virtual int64_t insert(const std::string& sql, const std::vector<SqlValue>& params,
                         const std::string& id_column) = 0;
  // A transaction that will write: SQLite takes the write lock up front (BEGIN IMMEDIATE) so two
  // writers never deadlock upgrading read locks; PostgreSQL relies on row locks (lock_suffix()).
  virtual void begin_write() = 0;
  virtual void commit() = 0;
  virtual void rollback() = 0;
  // Serializes schema creation between processes (PostgreSQL advisory lock; a no-op in SQLite,
  // whose write transaction is already exclusive). Call inside begin_write().
  virtual void lock_schema() = 0;
  virtual bool table_exists(const std::string& table) = 0;
  // " FOR UPDATE" where the database has row locks, "" in SQLite.
  virtual std::string lock_suffix() const = 0;
  // SQL expression for the database's current time, stored the way SQLAlchemy stores datetimes.
  virtual std::string now_expression() const = 0;
  virtual std::string dialect() const = 0;  // "sqlite" or "postgresql"
};

// Runs `body` inside begin_write()/commit(), rolling back on any exception and running it again
// (with a short growing pause) while the database reports a retryable conflict.
template <typename Body>
auto with_write_transaction(SqlConnection& connection, Body&& body) -> decltype(body());

std::unique_ptr<SqlConnection> open_sqlite_connection(const std::string& path);
std::unique_ptr<SqlConnection> open_postgres_connection(const std::string& conninfo);

namespace detail {
void pause_before_retry(int attempt);
}

template <typename Body>
auto with_write_transaction(SqlConnection& connection, Body&& body) -> decltype(body()) {
  constexpr int kMaxAttempts = 50;
  for (int attempt = 1;; ++attempt) {
    try {
      connection.begin_write();
      if constexpr (std::is_void_v<decltype(body())>) {
        body();
        connection.commit();
        return;
      } else {
        auto result = body();
        connection.commit();
        return result;
      }
    } catch (const SqlError& error) {
      try {
        connection.rollback();
      } catch (...) {
      }
      if (!error.retryable() || attempt >= kMaxAttempts) throw;
      detail::pause_before_retry(attempt);
    } catch (...) {
      try {
        connection.rollback();
      } catch (...) {
      }
      throw;
    }
  }
}

}  // namespace aelab::storage
