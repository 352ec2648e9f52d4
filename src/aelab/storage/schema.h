#pragma once
// Optuna's relational schema: creating it, checking a database's revision, and upgrading it on
// request. The DDL lives in the .sql files in schema/ (embedded at build time): the revision
// aelab creates (sqlite.sql, postgresql.sql) and one migration per later revision
// (migrations/<revision>.sql); schema_revisions.h lists them.
#include <string>

#include "aelab/storage/sql.h"

namespace aelab::storage {

// The embedded text of a file under schema/ ("sqlite.sql", "migrations/v3.2.0.a.sql").
// Throws aelab::Error for a name that is not there.
const std::string& schema_file(const std::string& name);

// The script that creates the schema (created_revision()) for `dialect` ("sqlite" or
// "postgresql").
const std::string& schema_sql(const std::string& dialect);

// Creates the schema and stamps it (version_info, alembic_version) in an empty database, once
// even when several processes open it at the same time; then checks that the database carries a
// revision aelab reads, and returns it. Nothing is written to a database that has the schema.
// Without `create`, a database without the schema is an error and nothing is written. Throws
// aelab::Error naming what was found and what is expected (or SqlError from the database).
std::string ensure_schema(SqlConnection& db, bool create = true);

// The database's alembic revision, checked: one of known_revisions(), with Optuna's tables.
std::string read_revision(SqlConnection& db);

// Runs the migrations from the database's revision up to `target` (a known revision no older
// than the current one) in one transaction and stamps `target`. Returns the revision the
// database had; a database already at `target` is left alone.
std::string upgrade_schema(SqlConnection& db, const std::string& target);

}  // namespace aelab::storage
