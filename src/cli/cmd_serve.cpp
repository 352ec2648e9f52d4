// aelab serve [FOLDER...] [--storage URL...] [--host 127.0.0.1] [--port 6006] [--token T]
//
// The web dashboard (docs/dashboard.md) over run folders and study databases. serve/ is
// torch-free and only reads files and storages; run_models.cpp plugs in what needs the run's
// model (a test image and its reconstruction, an interpolation decoded between two test images,
// the model summary table), as cmd_tune.cpp plugs training into tuning.
#include <atomic>
#include <chrono>
#include <csignal>
#include <iostream>
#include <random>
#include <sstream>
#include <thread>

#include "aelab/core/error.h"
#include "aelab/serve/api.h"
#include "aelab/serve/http_server.h"
#include "commands.h"
#include "run_models.h"

namespace aelab::cli {
namespace {

namespace fs = std::filesystem;

std::atomic<bool> g_stop{false};
void on_signal(int) { g_stop = true; }

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
  auto models = make_run_models(global);
  serve::ApiOptions options;
  options.token = args.token;
  serve::Api api(roots, args.storages, options, models.get());
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
