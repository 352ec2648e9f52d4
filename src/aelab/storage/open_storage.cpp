// URL dispatch: which driver serves a storage URL, and how its password stays out of messages.
#include <filesystem>

#include "aelab/core/error.h"
#include "aelab/storage/rdb_storage.h"

namespace aelab::storage {
namespace {

bool starts_with(const std::string& text, const std::string& prefix) {
  return text.compare(0, prefix.size(), prefix) == 0;
}

bool ends_with(const std::string& text, const std::string& suffix) {
  return text.size() >= suffix.size() &&
         text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// "postgres://", "postgresql+psycopg2://" (SQLAlchemy's spellings) -> "postgresql://".
std::optional<std::string> postgres_uri(const std::string& url) {
  auto scheme_end = url.find("://");
  if (scheme_end == std::string::npos) return std::nullopt;
  std::string scheme = url.substr(0, scheme_end);
  auto plus = scheme.find('+');
  if (plus != std::string::npos) scheme = scheme.substr(0, plus);
  if (scheme != "postgresql" && scheme != "postgres") return std::nullopt;
  return "postgresql" + url.substr(scheme_end);
}

}  // namespace

std::string redact_url(const std::string& url) {
  auto scheme_end = url.find("://");
  if (scheme_end == std::string::npos) return url;
  size_t authority = scheme_end + 3;
  size_t at = url.find('@', authority);
  size_t slash = url.find('/', authority);
  if (at == std::string::npos || (slash != std::string::npos && at > slash)) return url;
  size_t colon = url.find(':', authority);
  if (colon == std::string::npos || colon > at) return url;
  return url.substr(0, colon + 1) + "***" + url.substr(at);
}

std::unique_ptr<Storage> open_storage(const std::string& url, OpenMode mode) {
  std::string redacted = redact_url(url);
  const bool create = mode == OpenMode::kCreate;
  auto open = [&](auto&& connect) -> std::unique_ptr<Storage> {
    std::unique_ptr<SqlConnection> connection;
    try {
      connection = connect();
    } catch (const std::exception& error) {
      AELAB_FAIL("storage ", redacted, ": open: ", error.what());
    }
    return std::make_unique<RdbStorage>(std::move(connection), redacted, create);
  };
  // SQLite creates a missing file on open: check first, so that a report of a mistyped path
  // does not leave an empty database behind, and a directory gets a clear message.
  auto open_sqlite = [&](const std::string& path) {
    std::error_code ec;
    auto status = std::filesystem::status(path, ec);
    AELAB_CHECK(!std::filesystem::is_directory(status), "storage ", redacted, ": ", path,
                " is a directory, expected a SQLite database file");
    AELAB_CHECK(create || std::filesystem::exists(status), "storage ", redacted, ": ", path,
                ": no such database file");
    // SQLite would write its header into an empty file on open.
    AELAB_CHECK(create || std::filesystem::file_size(path, ec) != 0, "storage ", redacted, ": ",
                path, ": the file is empty, not a study database");
    return open([&] { return open_sqlite_connection(path); });
  };
  if (starts_with(url, "sqlite:///")) {
    std::string path = url.substr(std::string("sqlite:///").size());
    AELAB_CHECK(!path.empty(), "storage ", redacted, ": expected sqlite:///path/to/file.db");
    return open_sqlite(path);
  }
  if (auto uri = postgres_uri(url)) {
#ifdef AELAB_HAVE_POSTGRES
    return open([&] { return open_postgres_connection(*uri); });
#else
    AELAB_FAIL("storage ", redacted, ": this aelab was built without PostgreSQL (libpq) support");
#endif
  }
  if (url.find("://") == std::string::npos &&
      (ends_with(url, ".db") || ends_with(url, ".sqlite") || ends_with(url, ".sqlite3"))) {
    return open_sqlite(url);
  }
  AELAB_FAIL("storage '", redacted,
             "': unsupported URL; expected sqlite:///path/to/file.db, a path ending in .db, or "
             "postgresql://user@host:port/database");
}

}  // namespace aelab::storage
