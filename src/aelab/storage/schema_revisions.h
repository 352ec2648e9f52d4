#pragma once
// The Optuna schema revisions aelab knows: the alembic revision ids that Optuna stamps into
// `alembic_version`, oldest first. Each Optuna release reads only its own head revision (anything
// else is "incompatible" until `optuna storage upgrade`), so aelab creates the oldest one it
// reads, v3.0.0.d, which Debian's python3-optuna (3.1) opens, and reads and writes every revision
// in the list as it finds it: a database keeps its revision until its owner upgrades it.
#include <string>
#include <vector>

namespace aelab::storage {

struct SchemaRevision {
  std::string id;       // alembic revision id, "v3.2.0.a"
  std::string optuna;   // the Optuna releases whose head it is, for messages: "Optuna 3.2 and later"
  // Schema file (under src/aelab/storage/schema/) that moves a database from the previous
  // revision to this one, portable SQL for both dialects; empty for the revision aelab creates.
  std::string migration;
};

// Oldest first; the first is the one aelab creates.
const std::vector<SchemaRevision>& known_revisions();
const SchemaRevision& created_revision();
const SchemaRevision& newest_revision();
// Nullptr when `id` is not in known_revisions().
const SchemaRevision* find_revision(const std::string& id);
// Optuna's own revisions from before v3.0.0.d (Optuna 0.9 to 2.x, and 3.0's pre-releases):
// known to be Optuna's, too old for aelab, upgradable with Optuna.
bool is_older_optuna_revision(const std::string& id);
// "v3.0.0.d (Optuna 3.0 to 3.1), v3.2.0.a (Optuna 3.2 and later)", for messages.
std::string known_revisions_text();

// What version_info holds in a database aelab creates, as Optuna 3.1 writes it.
constexpr int kSchemaVersion = 12;
constexpr const char* kOptunaLibraryVersion = "3.1.0";

}  // namespace aelab::storage
