// SHA-256 against the FIPS 180 vectors, and downloads from a loopback HTTP server
// (python3 -m http.server) serving copies of the real MNIST files.
#include "aelab/data/fetch.h"

#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include "aelab/data/dataset.h"
#include "aelab/data/sha256.h"
#include "fixtures.h"
#include "test_paths.h"

extern char** environ;

namespace fs = std::filesystem;
using aelab::data::fetch_dataset;
using aelab::data::sha256_hex;
using aelab::testing::error_of;

namespace {

// An HTTP server on 127.0.0.1 serving `dir`, stopped (by its pid) when this goes away.
class LocalHttpServer {
 public:
  explicit LocalHttpServer(const fs::path& dir) {
    port_ = free_port();
    std::string port = std::to_string(port_), root = dir.string();
    std::vector<std::string> args = {"python3", "-m", "http.server", "--bind", "127.0.0.1",
                                     port,      "--directory", root};
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
    int rc = posix_spawnp(&pid_, "python3", &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    if (rc != 0) {
      pid_ = -1;
      return;
    }
    // Ready when it accepts a connection (bounded wait).
    for (int i = 0; i < 100 && !accepts(); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }
  ~LocalHttpServer() {
    if (pid_ > 0) {
      kill(pid_, SIGTERM);
      waitpid(pid_, nullptr, 0);
    }
  }
  bool running() const { return pid_ > 0 && accepts(); }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/"; }

 private:
  static int free_port() {
    int s = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    bind(s, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    socklen_t len = sizeof addr;
    getsockname(s, reinterpret_cast<sockaddr*>(&addr), &len);
    close(s);
    return ntohs(addr.sin_port);
  }
  bool accepts() const {
    int s = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(static_cast<uint16_t>(port_));
    bool ok = connect(s, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
    close(s);
    return ok;
  }
  pid_t pid_ = -1;
  int port_ = 0;
};

const char* const kMnistFiles[] = {"train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
                                   "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"};

fs::path mirror_of_mnist(const std::string& name) {
  fs::path dir = aelab::testing::temp_dir(name);
  for (const char* f : kMnistFiles) fs::copy_file(aelab::testing::shared_data_dir() / "mnist" / f, dir / f);
  return dir;
}

}  // namespace

TEST(Sha256, KnownVectors) {
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  // One million 'a', fed in uneven pieces to exercise the buffering.
  aelab::data::Sha256 sha;
  std::string chunk(997, 'a');
  size_t left = 1000000;
  while (left > 0) {
    size_t n = std::min(left, chunk.size());
    sha.update(chunk.data(), n);
    left -= n;
  }
  EXPECT_EQ(sha.hex_digest(), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST(Sha256, FileContentMatchesThePublishedMnistHash) {
  fs::path labels = aelab::testing::shared_data_dir() / "mnist" / "train-labels-idx1-ubyte.gz";
  EXPECT_EQ(aelab::data::sha256_file(labels, true),
            "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5");
}

TEST(Fetch, DownloadsVerifiesAndLoads) {
  fs::path mirror = mirror_of_mnist("fetch-mirror");
  LocalHttpServer server(mirror);
  if (!server.running()) GTEST_SKIP() << "python3 -m http.server could not be started";
  fs::path dest = aelab::testing::temp_dir("fetch-dest");
  fetch_dataset("mnist", dest, server.url());
  for (const char* f : kMnistFiles) {
    EXPECT_TRUE(fs::exists(dest / "mnist" / f)) << f;
    EXPECT_FALSE(fs::exists(dest / "mnist" / (std::string(f) + ".part"))) << f;
  }
  auto d = aelab::data::load_dataset(aelab::data::DataOptions().with_dataset("mnist"), dest.string());
  EXPECT_EQ(d.source, (dest / "mnist").string());
  EXPECT_EQ(d.train.size(), 60000);
  // Present and valid: a second fetch downloads nothing, so it works with the server gone too.
  fs::remove(mirror / kMnistFiles[0]);
  EXPECT_NO_THROW(fetch_dataset("mnist", dest, server.url()));
}

TEST(Fetch, CorruptDownloadIsRefusedAndLeavesNothing) {
  fs::path mirror = mirror_of_mnist("fetch-bad-mirror");
  // Valid gzip, wrong content: one label changed.
  std::string labels = aelab::testing::gunzip_file(mirror / "t10k-labels-idx1-ubyte.gz");
  labels[8] = static_cast<char>(labels[8] == 1 ? 2 : 1);
  aelab::testing::write_bytes(mirror / "t10k-labels-idx1-ubyte.gz", aelab::testing::gzip_bytes(labels));
  std::string bad_hash = sha256_hex(labels);
  LocalHttpServer server(mirror);
  if (!server.running()) GTEST_SKIP() << "python3 -m http.server could not be started";
  fs::path dest = aelab::testing::temp_dir("fetch-bad-dest");
  std::string msg = error_of([&] { fetch_dataset("mnist", dest, server.url()); });
  EXPECT_EQ(msg, server.url() + "t10k-labels-idx1-ubyte.gz: checksum mismatch for "
                 "t10k-labels-idx1-ubyte.gz: expected sha256 "
                 "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2 (of the "
                 "decompressed content), got " + bad_hash);
  EXPECT_FALSE(fs::exists(dest / "mnist" / "t10k-labels-idx1-ubyte.gz"));
  EXPECT_FALSE(fs::exists(dest / "mnist" / "t10k-labels-idx1-ubyte.gz.part"));
  // Not gzip at all, and a missing file (HTTP 404).
  aelab::testing::write_bytes(mirror / "t10k-labels-idx1-ubyte.gz", "<html>not found</html>");
  msg = error_of([&] { fetch_dataset("mnist", dest, server.url()); });
  EXPECT_EQ(msg, server.url() + "t10k-labels-idx1-ubyte.gz: downloaded file is not gzip data "
                 "(starts with \"<html>not found<\"); wrong URL, or an error page served instead of "
                 "the file?");
  fs::remove(mirror / "t10k-labels-idx1-ubyte.gz");
  msg = error_of([&] { fetch_dataset("mnist", dest, server.url()); });
  EXPECT_EQ(msg.rfind("download of " + server.url() + "t10k-labels-idx1-ubyte.gz failed: ", 0), 0u) << msg;
  EXPECT_NE(msg.find("404"), std::string::npos) << msg;
  EXPECT_FALSE(fs::exists(dest / "mnist" / "t10k-labels-idx1-ubyte.gz.part"));
  EXPECT_EQ(error_of([&] { fetch_dataset("imagenet", dest); }),
            "cannot fetch dataset \"imagenet\": known are mnist, fashion-mnist, cifar10");
}
