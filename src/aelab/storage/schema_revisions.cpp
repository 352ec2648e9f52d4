#include "aelab/storage/schema_revisions.h"

#include <algorithm>

namespace aelab::storage {

const std::vector<SchemaRevision>& known_revisions() {
  // Optuna's head stayed v3.0.0.d from 3.0.0 through 3.1.x and has been v3.2.0.a since 3.2.0 (its
  // migration was first drafted as v3.1.0.a and renamed before any release carried it).
  static const std::vector<SchemaRevision> revisions{
      {"v3.0.0.d", "Optuna 3.0 to 3.1", ""},
      {"v3.2.0.a", "Optuna 3.2 and later", "migrations/v3.2.0.a.sql"},
  };
  return revisions;
}

const SchemaRevision& created_revision() { return known_revisions().front(); }
const SchemaRevision& newest_revision() { return known_revisions().back(); }

const SchemaRevision* find_revision(const std::string& id) {
  for (const auto& revision : known_revisions()) {
    if (revision.id == id) return &revision;
  }
  return nullptr;
}

bool is_older_optuna_revision(const std::string& id) {
  static const char* const kOlder[] = {"v0.9.0.a", "v1.2.0.a", "v1.3.0.a", "v2.4.0.a",
                                       "v2.6.0.a", "v3.0.0.a", "v3.0.0.b", "v3.0.0.c"};
  return std::find(std::begin(kOlder), std::end(kOlder), id) != std::end(kOlder);
}

std::string known_revisions_text() {
  std::string text;
  for (const auto& revision : known_revisions()) {
    text += (text.empty() ? "" : ", ") + revision.id + " (" + revision.optuna + ")";
  }
  return text;
}

}  // namespace aelab::storage
