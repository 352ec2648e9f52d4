#include "aelab/data/fetch.h"

#include <cstdio>
#include <fstream>
#include <memory>

#if AELAB_HAVE_CURL
#include <curl/curl.h>
#endif

#include "aelab/core/error.h"
#include "aelab/core/log.h"
#include "aelab/core/paths.h"
#include "aelab/data/cifar.h"
#include "aelab/data/file_tree.h"
#include "aelab/data/sha256.h"

namespace aelab::data {

namespace fs = std::filesystem;

namespace {

struct RemoteFile {
  std::string name;            // file name at the base URL and on disk
  std::string content_sha256;  // of the decompressed content (.gz files)
};

const char* const kMnistUrl = "https://ossci-datasets.s3.amazonaws.com/mnist/";
// The Fashion-MNIST bucket serves plain http only; the content checksums make that safe.
const char* const kFashionUrl = "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/";
const char* const kCifarUrl = "https://www.cs.toronto.edu/~kriz/";
const char* const kCifarArchive = "cifar-10-binary.tar.gz";
// No published SHA-256 exists for the CIFAR-10 archive and none could be computed offline, so it
// is checked by its exact size and, once extracted, by the size of every batch (10000 records of
// 3073 bytes): a truncated or substituted download fails one or the other.
constexpr int64_t kCifarArchiveBytes = 170052171;
constexpr int64_t kCifarBatchRecords = 10000;

// SHA-256 of the uncompressed IDX files (the .gz bytes differ between mirrors, the content not).
const std::vector<RemoteFile>& mnist_files() {
  static const std::vector<RemoteFile> files = {
      {"train-images-idx3-ubyte.gz", "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db"},
      {"train-labels-idx1-ubyte.gz", "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5"},
      {"t10k-images-idx3-ubyte.gz", "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7"},
      {"t10k-labels-idx1-ubyte.gz", "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2"}};
  return files;
}
const std::vector<RemoteFile>& fashion_files() {
  static const std::vector<RemoteFile> files = {
      {"train-images-idx3-ubyte.gz", "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888"},
      {"train-labels-idx1-ubyte.gz", "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9"},
      {"t10k-images-idx3-ubyte.gz", "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b"},
      {"t10k-labels-idx1-ubyte.gz", "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34"}};
  return files;
}

std::string with_slash(std::string url) {
  if (!url.empty() && url.back() != '/') url += '/';
  return url;
}

#if AELAB_HAVE_CURL

size_t write_to_file(char* data, size_t size, size_t count, void* file) {
  return std::fwrite(data, size, count, static_cast<FILE*>(file)) * size;
}

// Downloads url to `out` (overwritten). Errors name the URL and what went wrong.
void download(const std::string& url, const fs::path& out) {
  static const bool initialised = [] { return curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK; }();
  AELAB_CHECK(initialised, "libcurl failed to initialise");
  std::unique_ptr<FILE, int (*)(FILE*)> file(std::fopen(out.c_str(), "wb"), std::fclose);
  AELAB_CHECK(file != nullptr, out.string(), ": cannot create");
  std::unique_ptr<CURL, void (*)(CURL*)> curl(curl_easy_init(), curl_easy_cleanup);
  AELAB_CHECK(curl != nullptr, "libcurl: cannot start a transfer");
  char error[CURL_ERROR_SIZE] = "";
  curl_easy_setopt(curl.get(), CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl.get(), CURLOPT_WRITEFUNCTION, write_to_file);
  curl_easy_setopt(curl.get(), CURLOPT_WRITEDATA, file.get());
  curl_easy_setopt(curl.get(), CURLOPT_ERRORBUFFER, error);
  curl_easy_setopt(curl.get(), CURLOPT_FAILONERROR, 1L);
  curl_easy_setopt(curl.get(), CURLOPT_FOLLOWLOCATION, 1L);
  curl_easy_setopt(curl.get(), CURLOPT_CONNECTTIMEOUT, 30L);
  // Give up on a stalled transfer (under 1 kB/s for a minute) instead of hanging forever.
  curl_easy_setopt(curl.get(), CURLOPT_LOW_SPEED_LIMIT, 1024L);
  curl_easy_setopt(curl.get(), CURLOPT_LOW_SPEED_TIME, 60L);
  CURLcode code = curl_easy_perform(curl.get());
  bool written = std::fflush(file.get()) == 0 && !std::ferror(file.get());
  file.reset();
  if (code != CURLE_OK) {
    std::error_code ec;
    fs::remove(out, ec);
    AELAB_FAIL("download of ", url, " failed: ", error[0] ? error : curl_easy_strerror(code));
  }
  AELAB_CHECK(written, out.string(), ": write failed (disk full?)");
}

#else

[[noreturn]] void download(const std::string& url, const fs::path& out) {
  AELAB_FAIL("aelab was built without libcurl, so it cannot download ", url,
             "; install libcurl4-openssl-dev and rebuild, or download it by hand to ", out.string());
}

#endif

// The first bytes of a file, non-printable ones as \\xNN, for messages about what was served.
std::string printable_head(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  char bytes[16];
  in.read(bytes, sizeof bytes);
  std::string out;
  for (std::streamsize i = 0; i < in.gcount(); ++i) {
    auto c = static_cast<unsigned char>(bytes[i]);
    if (c >= 32 && c < 127 && c != '"' && c != '\\') {
      out += static_cast<char>(c);
    } else {
      char hex[8];
      std::snprintf(hex, sizeof hex, "\\x%02x", c);
      out += hex;
    }
  }
  return out;
}

void fetch_idx(const std::string& name, const std::vector<RemoteFile>& files,
               const std::string& base_url, const fs::path& folder) {
  ensure_directory(folder);
  for (const auto& f : files) {
    const fs::path target = folder / f.name;
    std::error_code ec;
    if (fs::is_regular_file(target, ec)) {
      try {
        if (sha256_file(target, true) == f.content_sha256) {
          log::info(name + ": " + target.string() + " already present and verified");
          continue;
        }
      } catch (const Error&) {
        // unreadable: download again
      }
    }
    const fs::path part = folder / (f.name + ".part");
    const std::string url = base_url + f.name;
    log::info(name + ": downloading " + url);
    download(url, part);
    std::string head = printable_head(part);
    if (head.rfind("\\x1f\\x8b", 0) != 0) {
      fs::remove(part, ec);
      AELAB_FAIL(url, ": downloaded file is not gzip data (starts with \"", head,
                 "\"); wrong URL, or an error page served instead of the file?");
    }
    std::string got;
    try {
      got = sha256_file(part, true);
    } catch (const Error& e) {
      fs::remove(part, ec);
      AELAB_FAIL(url, ": downloaded file is not valid gzip data (", e.what(), ")");
    }
    if (got != f.content_sha256) {
      fs::remove(part, ec);
      AELAB_FAIL(url, ": checksum mismatch for ", f.name, ": expected sha256 ", f.content_sha256,
                 " (of the decompressed content), got ", got);
    }
    fs::rename(part, target, ec);
    AELAB_CHECK(!ec, target.string(), ": cannot move the verified download into place (",
                ec.message(), ")");
  }
}

void check_cifar_batches(const fs::path& folder) {
  std::vector<std::string> names = {"data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin",
                                    "data_batch_4.bin", "data_batch_5.bin", "test_batch.bin"};
  for (const auto& name : names) {
    fs::path file = folder / "cifar-10-batches-bin" / name;
    std::error_code ec;
    auto size = fs::file_size(file, ec);
    AELAB_CHECK(!ec, file.string(), ": missing from the downloaded CIFAR-10 archive");
    AELAB_CHECK(static_cast<int64_t>(size) == kCifarBatchRecords * kCifarRecordBytes, file.string(),
                ": ", size, " bytes, expected ", kCifarBatchRecords, " records of ",
                kCifarRecordBytes, " bytes");
  }
}

void fetch_cifar(const std::string& base_url, const fs::path& root) {
  const fs::path folder = root / "cifar10";
  std::error_code ec;
  if (fs::is_directory(folder / "cifar-10-batches-bin", ec)) {
    try {
      check_cifar_batches(folder);
      log::info("cifar10: " + folder.string() + " already present and verified");
      return;
    } catch (const Error&) {
      // incomplete: fetch again
    }
  }
  ensure_directory(root);
  const fs::path part = root / (std::string(kCifarArchive) + ".part");
  const std::string url = base_url + kCifarArchive;
  log::info("cifar10: downloading " + url);
  download(url, part);
  auto size = fs::file_size(part, ec);
  if (ec || static_cast<int64_t>(size) != kCifarArchiveBytes) {
    fs::remove(part, ec);
    AELAB_FAIL(url, ": downloaded ", size, " bytes, expected ", kCifarArchiveBytes,
               " (truncated or not the CIFAR-10 binary release)");
  }
  const fs::path staging = root / "cifar10.part";
  fs::remove_all(staging, ec);
  try {
    extract_archive(part, staging);
    check_cifar_batches(staging);
  } catch (...) {
    fs::remove_all(staging, ec);
    fs::remove(part, ec);
    throw;
  }
  fs::remove(part, ec);
  fs::remove_all(folder, ec);
  fs::rename(staging, folder, ec);
  AELAB_CHECK(!ec, folder.string(), ": cannot move the verified download into place (",
              ec.message(), ")");
}

}  // namespace

const std::vector<std::string>& fetchable_datasets() {
  static const std::vector<std::string> names = {"mnist", "fashion-mnist", "cifar10"};
  return names;
}

void fetch_dataset(const std::string& name, const fs::path& dest_dir,
                   const std::string& base_url_override) {
  auto base = [&](const char* official) {
    return with_slash(base_url_override.empty() ? official : base_url_override);
  };
  if (name == "mnist") {
    fetch_idx(name, mnist_files(), base(kMnistUrl), dest_dir / "mnist");
  } else if (name == "fashion-mnist") {
    fetch_idx(name, fashion_files(), base(kFashionUrl), dest_dir / "fashion-mnist");
  } else if (name == "cifar10") {
    fetch_cifar(base(kCifarUrl), dest_dir);
  } else {
    AELAB_FAIL("cannot fetch dataset \"", name, "\": known are mnist, fashion-mnist, cifar10");
  }
}

}  // namespace aelab::data
