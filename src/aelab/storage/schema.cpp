#include "aelab/storage/schema.h"

#include "aelab/core/error.h"
#include "aelab/storage/storage.h"

namespace aelab::storage {

// Defined in the generated embedded_schema.cpp (see CMakeLists.txt).
extern const char* const kSqliteSchema;
extern const char* const kPostgresSchema;

const std::string& schema_sql(const std::string& dialect) {
  static const std::string sqlite = kSqliteSchema;
  static const std::string postgres = kPostgresSchema;
  return dialect == "postgresql" ? postgres : sqlite;
}

void ensure_schema(SqlConnection& db, bool create) {
  if (!db.table_exists("alembic_version")) {
    AELAB_CHECK(create, "the database holds no studies (no Optuna schema); `aelab tune` creates one");
    with_write_transaction(db, [&] {
      db.lock_schema();
      if (db.table_exists("alembic_version")) return;  // another process was first
      AELAB_CHECK(!db.table_exists("studies"),
                  "the database holds Optuna tables from before alembic (Optuna < 1.4); upgrade "
                  "them with `optuna storage upgrade` from Optuna 3.1 first");
      db.execute_script(schema_sql(db.dialect()));
      db.execute("INSERT INTO version_info (version_info_id, schema_version, library_version) "
                 "VALUES (1, ?, ?)",
                 {int64_t{kSchemaVersion}, std::string(kOptunaLibraryVersion)});
      db.execute("INSERT INTO alembic_version (version_num) VALUES (?)",
                 {std::string(kAlembicRevision)});
    });
  }
  SqlRows rows = db.query("SELECT version_num FROM alembic_version");
  AELAB_CHECK(rows.size() == 1, "alembic_version holds ", rows.size(),
              " rows, expected exactly one (Optuna's schema revision)");
  std::string revision = as_text(rows[0][0]);
  AELAB_CHECK(revision == kAlembicRevision, "schema revision '", revision,
              "' is not the Optuna 3.1 revision '", kAlembicRevision,
              "' that aelab reads; run `optuna storage upgrade --storage <url>` with Optuna 3.1");
}

}  // namespace aelab::storage
