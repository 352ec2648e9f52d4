// PostgreSQL driver: libpq with text parameters of unknown type, so the server infers each
// parameter's type from its column (this is what lets a plain string fill Optuna's enum columns).
#include <libpq-fe.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>

#include "aelab/storage/sql.h"

namespace aelab::storage {
namespace {

// SQLSTATEs after which running the transaction again is the documented remedy.
bool is_retryable_state(const char* state) {
  if (!state) return false;
  return std::strcmp(state, "40001") == 0 ||  // serialization_failure
         std::strcmp(state, "40P01") == 0 ||  // deadlock_detected
         std::strcmp(state, "55P03") == 0;    // lock_not_available
}

// `?` -> `$1, $2, ...`, leaving quoted literals and identifiers alone.
std::string translate_placeholders(const std::string& sql) {
  std::string out;
  out.reserve(sql.size() + 8);
  int next = 1;
  char quote = 0;
  for (char c : sql) {
    if (quote) {
      if (c == quote) quote = 0;
      out += c;
    } else if (c == '\'' || c == '"') {
      quote = c;
      out += c;
    } else if (c == '?') {
      out += '$' + std::to_string(next++);
    } else {
      out += c;
    }
  }
  return out;
}

// Shortest text that reads back as the same double.
std::string format_double(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "Infinity" : "-Infinity";
  char buffer[32];
  for (int precision = 15; precision <= 17; ++precision) {
    std::snprintf(buffer, sizeof buffer, "%.*g", precision, value);
    if (std::strtod(buffer, nullptr) == value) break;
  }
  return buffer;
}

using ResultPtr = std::unique_ptr<PGresult, decltype(&PQclear)>;

class PostgresConnection : public SqlConnection {
 public:
  explicit PostgresConnection(const std::string& conninfo) : conn_(PQconnectdb(conninfo.c_str())) {
    if (!conn_ || PQstatus(conn_) != CONNECTION_OK) {
      std::string message = conn_ ? trimmed(PQerrorMessage(conn_)) : "out of memory";
      PQfinish(conn_);
      conn_ = nullptr;
      throw SqlError("cannot connect to PostgreSQL: " + message, false);
    }
    // Notices ("relation already exists, skipping") are not errors; keep stderr clean.
    PQsetNoticeProcessor(conn_, [](void*, const char*) {}, nullptr);
    // Timestamps are parsed as ISO text and doubles must print exactly, whatever the server's
    // defaults (servers before PostgreSQL 12 round doubles to 15 digits).
    execute_script("SET datestyle = ISO; SET extra_float_digits = 3");
  }
  ~PostgresConnection() override { PQfinish(conn_); }

  void execute_script(const std::string& sql) override {
    ResultPtr result(PQexec(conn_, sql.c_str()), &PQclear);
    check(result.get());
  }

  int64_t execute(const std::string& sql, const std::vector<SqlValue>& params) override {
    ResultPtr result = run(sql, params);
    const char* tuples = PQcmdTuples(result.get());
    return tuples && *tuples ? std::stoll(tuples) : 0;
  }

  SqlRows query(const std::string& sql, const std::vector<SqlValue>& params) override {
    ResultPtr result = run(sql, params);
    SqlRows rows(PQntuples(result.get()));
    int columns = PQnfields(result.get());
    for (size_t r = 0; r < rows.size(); ++r) {
      rows[r].resize(columns);
      for (int c = 0; c < columns; ++c) {
        if (!PQgetisnull(result.get(), static_cast<int>(r), c)) {
          rows[r][c] = std::string(PQgetvalue(result.get(), static_cast<int>(r), c));
        }
      }
    }
    return rows;
  }

  int64_t insert(const std::string& sql, const std::vector<SqlValue>& params,
                 const std::string& id_column) override {
    SqlRows rows = query(sql + " RETURNING " + id_column, params);
    if (rows.size() != 1) throw SqlError("INSERT returned no id", false);
    return as_int(rows[0][0]);
  }

  void begin_write() override { execute_script("BEGIN"); }
  void commit() override { execute_script("COMMIT"); }
  void rollback() override {
    if (PQtransactionStatus(conn_) != PQTRANS_IDLE) execute_script("ROLLBACK");
  }
  void lock_schema() override {
    execute_script("SELECT pg_advisory_xact_lock(7306518501)");  // any fixed key
  }

  bool table_exists(const std::string& table) override {
    return !query("SELECT 1 FROM information_schema.tables "
                  "WHERE table_schema = current_schema() AND table_name = ?",
                  {table})
                .empty();
  }

  std::string lock_suffix() const override { return " FOR UPDATE"; }
  // Optuna stores now() into `timestamp without time zone`: the session's local time.
  std::string now_expression() const override { return "LOCALTIMESTAMP"; }
  std::string dialect() const override { return "postgresql"; }

 private:
  static std::string trimmed(const char* message) {
    std::string text = message ? message : "";
    while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
    for (char& c : text) {
      if (c == '\n') c = ' ';
    }
    return text;
  }

  ResultPtr run(const std::string& sql, const std::vector<SqlValue>& params) {
    std::vector<std::string> texts(params.size());
    std::vector<const char*> values(params.size(), nullptr);
    for (size_t i = 0; i < params.size(); ++i) {
      const SqlValue& value = params[i];
      if (is_null(value)) continue;
      if (auto* d = std::get_if<double>(&value)) {
        texts[i] = format_double(*d);
      } else {
        texts[i] = as_text(value);
      }
      values[i] = texts[i].c_str();
    }
    std::string translated = translate_placeholders(sql);
    ResultPtr result(PQexecParams(conn_, translated.c_str(), static_cast<int>(params.size()),
                                  nullptr, values.data(), nullptr, nullptr, 0),
                     &PQclear);
    check(result.get());
    return result;
  }

  void check(PGresult* result) {
    ExecStatusType status = result ? PQresultStatus(result) : PGRES_FATAL_ERROR;
    if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) return;
    const char* state = result ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
    std::string message =
        trimmed(result ? PQresultErrorMessage(result) : PQerrorMessage(conn_));
    if (PQstatus(conn_) != CONNECTION_OK) message += " (connection lost)";
    throw SqlError("postgresql: " + message, is_retryable_state(state));
  }

  PGconn* conn_ = nullptr;
};

}  // namespace

std::unique_ptr<SqlConnection> open_postgres_connection(const std::string& conninfo) {
  return std::make_unique<PostgresConnection>(conninfo);
}

}  // namespace aelab::storage
