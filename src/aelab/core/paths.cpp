#include "aelab/core/paths.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "aelab/core/error.h"

namespace aelab {

void write_file_atomic(const fs::path& path, const std::string& contents) {
  fs::path tmp = path;
  tmp += ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    AELAB_CHECK(out.good(), tmp.string(), ": cannot open for writing: ", std::strerror(errno));
    out.write(contents.data(), static_cast<std::streamsize>(contents.size()));
    out.flush();
    AELAB_CHECK(out.good(), tmp.string(), ": write failed (disk full?)");
  }
  std::error_code ec;
  fs::rename(tmp, path, ec);
  AELAB_CHECK(!ec, path.string(), ": cannot rename temporary file into place: ", ec.message());
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  AELAB_CHECK(in.good(), path.string(), ": cannot open: ", std::strerror(errno));
  std::ostringstream buf;
  buf << in.rdbuf();
  return buf.str();
}

void ensure_directory(const fs::path& dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  AELAB_CHECK(!ec, dir.string(), ": cannot create directory: ", ec.message());
}

}  // namespace aelab
