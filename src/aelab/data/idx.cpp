#include "aelab/data/idx.h"

#include <zlib.h>

#include <cstring>
#include <future>
#include <memory>

#include "aelab/core/error.h"
#include "aelab/data/limits.h"

namespace aelab::data {

namespace fs = std::filesystem;

namespace {

constexpr uint32_t kImagesMagic = 2051;  // 0x00000803: unsigned bytes, 3 dimensions
constexpr uint32_t kLabelsMagic = 2049;  // 0x00000801: unsigned bytes, 1 dimension

using GzPtr = std::unique_ptr<gzFile_s, int (*)(gzFile)>;

class IdxReader {
 public:
  explicit IdxReader(const fs::path& file) : file_(file), gz_(nullptr, gzclose) {
    std::error_code ec;
    AELAB_CHECK(fs::is_regular_file(file, ec), file.string(), ": no such file");
    gz_.reset(gzopen(file.c_str(), "rb"));
    AELAB_CHECK(gz_ != nullptr, file.string(), ": cannot open");
    gzbuffer(gz_.get(), 1 << 18);
  }

  // Reads exactly `size` bytes or fails naming what was being read.
  void read(void* out, size_t size, const char* what) {
    auto* p = static_cast<char*>(out);
    size_t done = 0;
    while (done < size) {
      unsigned want = static_cast<unsigned>(std::min<size_t>(size - done, 1u << 30));
      int n = gzread(gz_.get(), p + done, want);
      if (n < 0) fail_gzip();
      if (n == 0) break;
      done += static_cast<size_t>(n);
    }
    if (done < size) {
      check_gzip_state();
      AELAB_FAIL(file_.string(), ": truncated: ", what, " needs ", size, " bytes, file has only ",
                 done);
    }
  }

  uint32_t read_u32(const char* what) {
    unsigned char b[4];
    read(b, 4, what);
    return (uint32_t(b[0]) << 24) | (uint32_t(b[1]) << 16) | (uint32_t(b[2]) << 8) | b[3];
  }

  // After the payload: the header must have described the whole file.
  void expect_end() {
    char extra;
    int n = gzread(gz_.get(), &extra, 1);
    if (n < 0) fail_gzip();
    AELAB_CHECK(n == 0, file_.string(), ": has bytes after the data the header describes "
                                        "(wrong counts in the header?)");
    check_gzip_state();
  }

  // Before allocating what the header promises: a raw file must hold exactly that many bytes,
  // a gzip file at most what deflate can expand its size to (so a corrupt header cannot ask for
  // terabytes), and either must fit in memory (`memory_bytes`: what the loaded array takes).
  void check_payload(uint64_t header_bytes, uint64_t payload, const char* what,
                     uint64_t memory_bytes) {
    std::error_code ec;
    uint64_t on_disk = fs::file_size(file_, ec);
    AELAB_CHECK(!ec, file_.string(), ": cannot read its size (", ec.message(), ")");
    if (gzdirect(gz_.get())) {
      AELAB_CHECK(on_disk >= header_bytes + payload, file_.string(), ": truncated: ", what,
                  " needs ", payload, " bytes, file has only ", on_disk - header_bytes);
      AELAB_CHECK(on_disk == header_bytes + payload, file_.string(), ": has ",
                  on_disk - header_bytes - payload,
                  " bytes after the data the header describes (wrong counts in the header?)");
    } else {
      constexpr uint64_t kMaxDeflateRatio = 1032;
      AELAB_CHECK(payload <= on_disk * kMaxDeflateRatio, file_.string(), ": header claims ",
                  payload, " bytes of ", what, ", more than a ", on_disk,
                  "-byte gzip file can hold (corrupt header?)");
    }
    check_fits_memory(file_.string(), memory_bytes, std::string("the ") + what);
  }

  const fs::path& file() const { return file_; }

 private:
  [[noreturn]] void fail_gzip() {
    int code = 0;
    const char* message = gzerror(gz_.get(), &code);
    if (code == Z_BUF_ERROR) {
      AELAB_FAIL(file_.string(), ": truncated gzip data (the compressed stream ends early)");
    }
    AELAB_FAIL(file_.string(), ": corrupt gzip data (", message, ")");
  }
  void check_gzip_state() {
    int code = 0;
    gzerror(gz_.get(), &code);
    if (code != Z_OK) fail_gzip();
  }

  fs::path file_;
  GzPtr gz_;
};

void check_magic(const IdxReader& in, uint32_t magic, uint32_t expected, const char* kind) {
  if (magic == expected) return;
  char hex[16];
  std::snprintf(hex, sizeof hex, "0x%08x", magic);
  AELAB_FAIL(in.file().string(), ": not an IDX ", kind, " file (magic ", hex, " = ", magic,
             ", expected ", expected, ")");
}

}  // namespace

torch::Tensor read_idx_images(const fs::path& file) {
  IdxReader in(file);
  check_magic(in, in.read_u32("the header"), kImagesMagic, "images");
  const uint64_t n = in.read_u32("the header");
  const uint64_t rows = in.read_u32("the header");
  const uint64_t cols = in.read_u32("the header");
  AELAB_CHECK(rows > 0 && cols > 0 && rows <= 65536 && cols <= 65536, file.string(),
              ": implausible image size ", rows, "x", cols, " in the header");
  // At most 2^32 * 2^32 bytes: fits uint64_t, not int64_t.
  const uint64_t pixels = n * rows * cols;
  in.check_payload(16, pixels, "pixels", pixels);
  auto images = torch::empty({int64_t(n), 1, int64_t(rows), int64_t(cols)}, torch::kUInt8);
  in.read(images.data_ptr<uint8_t>(), static_cast<size_t>(pixels), "the pixels");
  in.expect_end();
  return images;
}

torch::Tensor read_idx_labels(const fs::path& file) {
  IdxReader in(file);
  check_magic(in, in.read_u32("the header"), kLabelsMagic, "labels");
  const int64_t n = in.read_u32("the header");
  // The bytes, then one int64_t per label.
  in.check_payload(8, static_cast<uint64_t>(n), "labels", 9 * static_cast<uint64_t>(n));
  auto bytes = torch::empty({n}, torch::kUInt8);
  in.read(bytes.data_ptr<uint8_t>(), static_cast<size_t>(n), "the labels");
  in.expect_end();
  return bytes.to(torch::kInt64);
}

fs::path find_idx_file(const fs::path& folder, const std::string& base) {
  std::error_code ec;
  if (fs::is_regular_file(folder / base, ec)) return folder / base;
  if (fs::is_regular_file(folder / (base + ".gz"), ec)) return folder / (base + ".gz");
  return {};
}

namespace {

ImageSet load_split(const fs::path& folder, const std::string& prefix, size_t classes) {
  const std::string image_base = prefix + "-images-idx3-ubyte";
  const std::string label_base = prefix + "-labels-idx1-ubyte";
  fs::path image_file = find_idx_file(folder, image_base);
  fs::path label_file = find_idx_file(folder, label_base);
  AELAB_CHECK(!image_file.empty(), (folder / image_base).string(), "(.gz): no such file");
  AELAB_CHECK(!label_file.empty(), (folder / label_base).string(), "(.gz): no such file");
  ImageSet set;
  set.images = read_idx_images(image_file);
  set.labels = read_idx_labels(label_file);
  AELAB_CHECK(set.images.size(0) == set.labels.size(0), image_file.string(), " has ",
              set.images.size(0), " images but ", label_file.string(), " has ",
              set.labels.size(0), " labels");
  if (set.labels.numel() > 0) {
    int64_t max_label = set.labels.max().item<int64_t>();
    if (max_label >= static_cast<int64_t>(classes)) {
      int64_t at = (set.labels >= static_cast<int64_t>(classes)).nonzero()[0][0].item<int64_t>();
      AELAB_FAIL(label_file.string(), ": label ", set.labels[at].item<int64_t>(), " at index ", at,
                 " is out of range (", classes, " classes: 0..", classes - 1, ")");
    }
  }
  return set;
}

}  // namespace

Dataset load_idx_dataset(const fs::path& folder, const std::string& name,
                         const std::vector<std::string>& class_names) {
  Dataset d;
  d.name = name;
  d.class_names = class_names;
  d.source = folder.string();
  // The two splits are independent files: decompress them on two threads.
  auto test = std::async(std::launch::async,
                         [&] { return load_split(folder, "t10k", class_names.size()); });
  try {
    d.train = load_split(folder, "train", class_names.size());
  } catch (...) {
    test.wait();
    throw;
  }
  d.test = test.get();
  AELAB_CHECK(d.train.images.sizes().slice(1) == d.test.images.sizes().slice(1), folder.string(),
              ": train images are ", d.train.images.size(2), "x", d.train.images.size(3),
              " but test images are ", d.test.images.size(2), "x", d.test.images.size(3));
  return d;
}

}  // namespace aelab::data
