#pragma once
// Optuna 3.1's schema, from the .sql files in schema/ (embedded at build time).
#include <string>

#include "aelab/storage/sql.h"

namespace aelab::storage {

// The schema script for `dialect` ("sqlite" or "postgresql").
const std::string& schema_sql(const std::string& dialect);

// Creates the schema and stamps it (version_info, alembic_version) in an empty database, once
// even when several processes open it at the same time; then checks that the database carries
// Optuna 3.1's alembic revision. Without `create`, a database without the schema is an error and
// nothing is written. Throws aelab::Error (or SqlError from the database).
void ensure_schema(SqlConnection& db, bool create = true);

}  // namespace aelab::storage
