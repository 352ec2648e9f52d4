#pragma once
// Datetimes as Optuna's tables hold them: naive 'YYYY-MM-DD HH:MM:SS.ffffff' text (SQLAlchemy's
// SQLite format; PostgreSQL's `timestamp` prints the same way, trailing zeros trimmed).
#include <string>

namespace aelab::storage {

// Local wall-clock time now, as Optuna's datetime.now() writes it.
std::string local_now_text();
// Seconds since the epoch, reading `text` as local time (0 for empty text). Throws aelab::Error.
double local_text_to_epoch(const std::string& text);
// Seconds since an arbitrary origin, for differences between two texts of the same zone.
double text_to_seconds(const std::string& text);

}  // namespace aelab::storage
