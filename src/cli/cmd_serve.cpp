// aelab serve [FOLDER...] [--storage URL...] [--host 127.0.0.1] [--port 6006] [--token T]
//
// The web dashboard (docs/dashboard.md) over run folders and study databases. serve/ is
// torch-free and only reads files and storages; this file plugs in what needs the run's model
// (a test image and its reconstruction, an interpolation decoded between two test images, the
// model summary table), as cmd_tune.cpp plugs training into tuning.
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <fstream>
#include <iostream>
#include <map>
#include <mutex>
#include <random>
#include <sstream>
#include <thread>

#include "aelab/analysis/generation.h"
#include "aelab/analysis/run_model.h"
#include "aelab/core/error.h"
#include "aelab/core/log.h"
#include "aelab/report/grid.h"
#include "aelab/report/image.h"
#include "aelab/serve/api.h"
#include "aelab/serve/http_server.h"
#include "aelab/train/pipeline.h"
#include "aelab/train/run_folder.h"
#include "aelab/train/trainer.h"
#include "commands.h"

namespace aelab::cli {
namespace {

namespace fs = std::filesystem;

std::atomic<bool> g_stop{false};
void on_signal(int) { g_stop = true; }

// PNG bytes of a picture, through a scratch file (report/ writes PNG files only).
std::string png_bytes(const report::Image& image) {
  fs::path tmp = fs::temp_directory_path() /
                 ("aelab-serve-" + std::to_string(getpid()) + "-" +
                  std::to_string(std::hash<std::thread::id>()(std::this_thread::get_id())) + ".png");
  report::write_png(tmp, image);
  std::ifstream in(tmp, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  std::error_code ec;
  fs::remove(tmp, ec);
  return s.str();
}

// The runs' models and test splits, loaded on first use and kept for the next request (the
// latent explorer asks for many test images of the same one or two runs). One request decodes
// at a time: LibTorch uses every core for it anyway.
class RunModels : public serve::ModelService {
 public:
  explicit RunModels(const GlobalOptions& global) : global_(global) {}

  std::string test_image_png(const fs::path& run, int64_t index) override {
    std::lock_guard<std::mutex> lock(mutex_);
    auto& opened = open(run);
    check_index(opened, index, "index");
    auto image = opened.data.splits.test.images.index_select(0, at::tensor({index}, at::kLong));
    auto output = opened.model.reconstruct(image);
    std::vector<report::Image> row = train::to_images(image.to(at::kFloat).div(255.0));
    for (auto& tile : train::to_images(output)) row.push_back(std::move(tile));
    report::GridOptions grid;
    grid.scale = image.size(2) <= 32 ? 4 : 1;
    return png_bytes(report::make_grid({row}, grid));
  }

  std::string interpolation_png(const fs::path& run, int64_t from, int64_t to,
                                int64_t steps) override {
    std::lock_guard<std::mutex> lock(mutex_);
    auto& opened = open(run);
    check_index(opened, from, "from");
    check_index(opened, to, "to");
    auto ends = opened.data.splits.test.images.index_select(0, at::tensor({from, to}, at::kLong));
    auto codes = opened.model.encode(ends);
    auto decoded = opened.model.decode(analysis::interpolate_codes(codes[0], codes[1], steps));
    auto originals = train::to_images(ends.to(at::kFloat).div(255.0));
    // As `aelab interpolate`: the two real images framed at the ends, decoded steps between.
    std::vector<report::Image> strip{originals[0]};
    for (auto& tile : train::to_images(decoded)) strip.push_back(std::move(tile));
    strip.push_back(originals[1]);
    report::GridOptions grid;
    grid.scale = ends.size(2) <= 32 ? 2 : 1;
    grid.framed = {{0, 0}, {0, static_cast<int>(strip.size()) - 1}};
    return png_bytes(report::make_grid({strip}, grid));
  }

  std::string summary_table(const fs::path& run) override {
    std::lock_guard<std::mutex> lock(mutex_);
    auto loaded = train::open_run(run);
    const auto& e = loaded.experiment;
    auto& opened = open(run);
    const auto& images = opened.data.splits.test.images;
    models::Shape image{images.size(1), images.size(2), images.size(3)};
    train::Task task(e.task, image[0]);
    return train::make_model(e, task, image)->summary(run.filename().string() + " on " + e.data.dataset);
  }

  std::vector<std::string> class_names(const fs::path& run) override {
    std::lock_guard<std::mutex> lock(mutex_);
    return open(run).data.dataset.class_names;
  }

 private:
  struct Opened {
    train::LoadedRun run;
    train::LoadedData data;
    analysis::RunModel model;
  };

  Opened& open(const fs::path& dir) {
    auto it = opened_.find(dir);
    if (it != opened_.end()) return *it->second;
    if (opened_.size() >= 4) opened_.clear();  // two runs side by side, and room to move on
    auto run = train::open_run(dir);
    auto data = train::load_data(run.experiment, global_.data_dir);
    const auto& images = data.splits.test.images;
    models::Shape image{images.size(1), images.size(2), images.size(3)};
    auto model = analysis::RunModel::load(run, image, c10::Device(c10::kCPU));
    auto opened = std::make_unique<Opened>(Opened{std::move(run), std::move(data), std::move(model)});
    return *opened_.emplace(dir, std::move(opened)).first->second;
  }

  static void check_index(const Opened& opened, int64_t index, const char* name) {
    const int64_t n = opened.data.splits.test.size();
    AELAB_CHECK(index >= 0 && index < n, name, " ", index,
                " is not a test image: the test set has ", n, " images (0..", n - 1, ")");
  }

  const GlobalOptions& global_;
  std::mutex mutex_;
  std::map<fs::path, std::unique_ptr<Opened>> opened_;
};

struct ServeArgs {
  std::vector<std::string> folders;
  std::vector<std::string> storages;
  std::string host = "127.0.0.1";
  int port = 6006;
  std::string token;
};

std::string random_token() {
  std::random_device rd;  // /dev/urandom
  std::ostringstream s;
  for (int i = 0; i < 4; ++i) s << std::hex << rd() << rd();
  return s.str().substr(0, 32);
}

int run_serve(ServeArgs args, const GlobalOptions& global) {
  AELAB_CHECK(serve::have_http_server(),
              "serve: this aelab was built without libmicrohttpd (apt-get install "
              "libmicrohttpd-dev, then configure and build again)");
  AELAB_CHECK(args.port >= 0 && args.port <= 65535, "--port ", args.port,
              ": expected 0 (any free port) to 65535");
  if (args.folders.empty() && args.storages.empty()) args.folders = {"."};
  std::vector<fs::path> folders(args.folders.begin(), args.folders.end());
  serve::Roots roots(folders);
  const bool loopback = serve::is_loopback_host(args.host);
  // Beyond loopback anyone who can reach the port could read every run: a token is required,
  // as a notebook server does; on loopback one is used only when given.
  if (!loopback && args.token.empty()) args.token = random_token();
  RunModels models(global);
  serve::ApiOptions options;
  options.token = args.token;
  serve::Api api(roots, args.storages, options, &models);
  serve::HttpServer server(api, {args.host, args.port});
  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
  std::string host = args.host.find(':') != std::string::npos && args.host.front() != '['
                         ? "[" + args.host + "]" : args.host;
  std::string url = "http://" + host + ":" + std::to_string(server.port()) + "/";
  if (!args.token.empty()) url += "?token=" + args.token;
  std::cout << "aelab serve: " << url << "  (" << api.index().runs().size() << " runs, "
            << api.index().databases().size() << " study databases; Ctrl-C stops)" << std::endl;
  while (!g_stop) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  std::cout << "aelab serve: stopped" << std::endl;
  return 0;
}

}  // namespace

void add_serve_command(CLI::App& app, const GlobalOptions& global, Command& run) {
  auto args = std::make_shared<ServeArgs>();
  auto* cmd = app.add_subcommand(
      "serve", "web dashboard over run folders and studies (read-only; prints the URL)");
  cmd->add_option("folders", args->folders,
                  "folders searched for runs, trial folders and SQLite studies (default: .)");
  cmd->add_option("--storage", args->storages, "a study storage URL (sqlite:///x.db, postgresql://...)");
  cmd->add_option("--host", args->host, "address to listen on; other than loopback needs a token")
      ->capture_default_str();
  cmd->add_option("--port", args->port, "port (0: any free one)")->capture_default_str();
  cmd->add_option("--token", args->token,
                  "token requests must carry (default: none on loopback, a random one otherwise)");
  cmd->callback([args, &global, &run] {
    run = [args, &global] { return run_serve(*args, global); };
  });
}

}  // namespace aelab::cli
