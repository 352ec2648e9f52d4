#include "aelab/storage/schema.h"

#include <map>

#include "aelab/core/error.h"
#include "aelab/storage/schema_revisions.h"

namespace aelab::storage {

// Defined in the generated embedded_schema.cpp (see CMakeLists.txt): every file under schema/.
struct EmbeddedSchemaFile {
  const char* name;
  const char* text;
};
extern const EmbeddedSchemaFile kEmbeddedSchemaFiles[];
extern const int kEmbeddedSchemaFileCount;

const std::string& schema_file(const std::string& name) {
  static const std::map<std::string, std::string> files = [] {
    std::map<std::string, std::string> map;
    for (int i = 0; i < kEmbeddedSchemaFileCount; ++i) {
      map[kEmbeddedSchemaFiles[i].name] = kEmbeddedSchemaFiles[i].text;
    }
    return map;
  }();
  auto it = files.find(name);
  AELAB_CHECK(it != files.end(), "no schema file '", name, "' in this build");
  return it->second;
}

const std::string& schema_sql(const std::string& dialect) {
  return schema_file(dialect == "postgresql" ? "postgresql.sql" : "sqlite.sql");
}

namespace {

size_t revision_index(const std::string& id) {
  const auto& revisions = known_revisions();
  for (size_t i = 0; i < revisions.size(); ++i) {
    if (revisions[i].id == id) return i;
  }
  AELAB_FAIL("unknown schema revision '", id, "'");
}

}  // namespace

std::string read_revision(SqlConnection& db) {
  SqlRows rows = db.query("SELECT version_num FROM alembic_version");
  AELAB_CHECK(rows.size() == 1, "alembic_version holds ", rows.size(),
              " rows, expected exactly one (Optuna's schema revision)");
  std::string revision = as_text(rows[0][0]);
  if (is_older_optuna_revision(revision)) {
    AELAB_FAIL("schema revision '", revision, "' is from before Optuna 3.0 (aelab reads ",
               known_revisions_text(), "); upgrade it with `optuna storage upgrade --storage <url>` "
               "from Optuna 3.x");
  }
  AELAB_CHECK(find_revision(revision), "schema revision '", revision,
              "' is unknown to this aelab, which reads Optuna's ", known_revisions_text(),
              ": the database comes from a newer Optuna, or is not an Optuna study database");
  AELAB_CHECK(db.table_exists("studies") && db.table_exists("trials"),
              "the database has an alembic_version (", revision,
              ") but no Optuna studies/trials tables: not an Optuna study database");
  return revision;
}

std::string ensure_schema(SqlConnection& db, bool create) {
  if (!db.table_exists("alembic_version")) {
    AELAB_CHECK(create, "the database holds no studies (no Optuna schema); `aelab tune` creates one");
    with_write_transaction(db, [&] {
      db.lock_schema();
      if (db.table_exists("alembic_version")) return;  // another process was first
      AELAB_CHECK(!db.table_exists("studies"),
                  "the database holds Optuna tables from before alembic (Optuna < 1.4); upgrade "
                  "them with `optuna storage upgrade` from Optuna 3.x first");
      db.execute_script(schema_sql(db.dialect()));
      db.execute("INSERT INTO version_info (version_info_id, schema_version, library_version) "
                 "VALUES (1, ?, ?)",
                 {int64_t{kSchemaVersion}, std::string(kOptunaLibraryVersion)});
      db.execute("INSERT INTO alembic_version (version_num) VALUES (?)", {created_revision().id});
    });
  }
  return read_revision(db);
}

std::string upgrade_schema(SqlConnection& db, const std::string& target) {
  AELAB_CHECK(find_revision(target), "cannot upgrade to schema revision '", target,
              "': aelab knows ", known_revisions_text());
  return with_write_transaction(db, [&] {
    db.lock_schema();
    std::string current = read_revision(db);
    size_t from = revision_index(current), to = revision_index(target);
    AELAB_CHECK(from <= to, "the database is at schema revision ", current, ", newer than ", target,
                "; aelab never downgrades a schema");
    for (size_t i = from + 1; i <= to; ++i) {
      db.execute_script(schema_file(known_revisions()[i].migration));
    }
    if (from != to) {
      db.execute("UPDATE alembic_version SET version_num = ?", {target});
    }
    return current;
  });
}

}  // namespace aelab::storage
