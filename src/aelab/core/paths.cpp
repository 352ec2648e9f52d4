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
  // On any failure the half-written temporary goes and the previous file stays as it was.
  auto fail = [&](const std::string& what) {
    int err = errno;
    std::error_code ec;
    fs::remove(tmp, ec);
    AELAB_FAIL(path.string(), ": ", what, ": ", std::strerror(err));
  };
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out.good()) fail("cannot open for writing");
    errno = 0;
    out.write(contents.data(), static_cast<std::streamsize>(contents.size()));
    out.flush();
    if (!out.good()) fail("write failed" + std::string(errno == 0 ? " (disk full?)" : ""));
    out.close();
    if (out.fail()) fail("write failed on close");
  }
  std::error_code ec;
  fs::rename(tmp, path, ec);
  if (ec) {
    fs::remove(tmp, ec);
    AELAB_FAIL(path.string(), ": cannot rename temporary file into place: ", ec.message());
  }
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
