#include "aelab/serve/roots.h"

#include "aelab/core/error.h"

namespace aelab::serve {

Roots::Roots(const std::vector<fs::path>& folders) {
  for (const auto& f : folders) {
    std::error_code ec;
    fs::path real = fs::canonical(f, ec);
    AELAB_CHECK(!ec && fs::is_directory(real), "serve: ", f.string(),
                ": not a folder (expected a folder holding runs or study databases)");
    folders_.push_back(real);
  }
}

bool is_within(const fs::path& inner, const fs::path& outer) {
  auto i = inner.begin();
  for (auto o = outer.begin(); o != outer.end(); ++o, ++i) {
    if (o->empty()) continue;  // a trailing separator of `outer`
    if (i == inner.end() || *i != *o) return false;
  }
  return true;
}

std::optional<fs::path> Roots::resolve(const std::string& id) const {
  if (id.empty() || id.front() == '/' || id.find('\\') != std::string::npos ||
      id.find('\0') != std::string::npos)
    return std::nullopt;
  size_t slash = id.find('/');
  std::string root_text = id.substr(0, slash);
  if (root_text.empty() || root_text.size() > 6 ||
      root_text.find_first_not_of("0123456789") != std::string::npos)
    return std::nullopt;
  size_t root = std::stoul(root_text);
  if (root >= folders_.size()) return std::nullopt;
  fs::path path = folders_[root];
  if (slash != std::string::npos) {
    std::string rest = id.substr(slash + 1);
    size_t start = 0;
    while (start <= rest.size()) {
      size_t end = rest.find('/', start);
      if (end == std::string::npos) end = rest.size();
      std::string part = rest.substr(start, end - start);
      if (part.empty() || part == "." || part == "..") return std::nullopt;
      path /= part;
      start = end + 1;
    }
  }
  std::error_code ec;
  fs::path real = fs::canonical(path, ec);
  if (ec || !is_within(real, folders_[root])) return std::nullopt;
  return real;
}

std::optional<std::string> Roots::id_of(const fs::path& path) const {
  std::error_code ec;
  fs::path real = fs::weakly_canonical(path, ec);
  if (ec) return std::nullopt;
  for (size_t r = 0; r < folders_.size(); ++r) {
    if (!is_within(real, folders_[r])) continue;
    std::string rel = fs::relative(real, folders_[r], ec).generic_string();
    if (ec) continue;
    return std::to_string(r) + (rel == "." || rel.empty() ? "" : "/" + rel);
  }
  return std::nullopt;
}

std::string Roots::display_name(const std::string& id) const {
  size_t slash = id.find('/');
  std::string rest = slash == std::string::npos ? "" : id.substr(slash + 1);
  if (folders_.size() == 1) return rest.empty() ? folders_[0].filename().string() : rest;
  size_t root = std::stoul(id.substr(0, slash));
  std::string name = root < folders_.size() ? folders_[root].filename().string() : "?";
  return rest.empty() ? name : name + "/" + rest;
}

}  // namespace aelab::serve
