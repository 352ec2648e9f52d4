#include "aelab/train/step_plan_cache.h"

#include <torch/version.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <thread>

#include "aelab/config/document.h"
#include "aelab/core/log.h"

namespace aelab::train {

namespace fs = std::filesystem;

namespace {

// The file's layout and the search that made its plans (2: every combination, not one switch
// at a time; 3: one replica per core among them; 4: adjoint transposed convolutions instead of
// the phase form, timings of a form that no longer exists); a file of another number reads as
// no entries.
constexpr int kFormat = 4;

std::string env(const char* name) {
  const char* v = std::getenv(name);
  return v ? std::string(v) : std::string();
}

std::string cpu_model_name() {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line)) {
    // x86 says "model name"; some ARM kernels say "Model" or only "CPU part".
    if (line.rfind("model name", 0) == 0 || line.rfind("Model", 0) == 0) {
      auto colon = line.find(':');
      if (colon == std::string::npos) continue;
      auto name = line.substr(colon + 1);
      name.erase(0, name.find_first_not_of(" \t"));
      if (!name.empty()) return name;
    }
  }
  return "unknown CPU";
}

uint64_t fnv1a(const std::string& text) {
  uint64_t h = 0xcbf29ce484222325ull;
  for (unsigned char c : text) {
    h ^= c;
    h *= 0x100000001b3ull;
  }
  return h;
}

// The whole file as JSON; none, with `problem` set, when it is not a cache file.
std::optional<nlohmann::json> read_cache(const fs::path& file, std::string& problem) {
  std::error_code ec;
  if (!fs::exists(file, ec)) return nlohmann::json::object();  // no file: an empty cache
  std::ifstream in(file, std::ios::binary);
  if (!in.good()) {
    problem = "cannot be read";
    return std::nullopt;
  }
  std::stringstream text;
  text << in.rdbuf();
  nlohmann::json j = nlohmann::json::parse(text.str(), nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) {
    problem = "is not valid JSON";
    return std::nullopt;
  }
  if (!j.is_object() || !j.contains("plans") || !j["plans"].is_object()) {
    problem = "is not a step plan cache (no \"plans\" object)";
    return std::nullopt;
  }
  if (j.value("format", 0) != kFormat) return nlohmann::json::object();  // another version's
  return j;
}

}  // namespace

fs::path step_plan_cache_file() {
  const std::string name = "step-plans.json";
  if (auto dir = env("AELAB_CACHE_DIR"); !dir.empty()) return fs::path(dir) / name;
  if (auto dir = env("XDG_CACHE_HOME"); !dir.empty()) return fs::path(dir) / "aelab" / name;
  if (auto home = env("HOME"); !home.empty()) return fs::path(home) / ".cache" / "aelab" / name;
  return {};
}

std::string machine_signature(int threads) {
  std::ostringstream out;
  out << cpu_model_name() << ", " << std::max(1u, std::thread::hardware_concurrency())
      << " cores, LibTorch " << TORCH_VERSION_MAJOR << "." << TORCH_VERSION_MINOR << "."
      << TORCH_VERSION_PATCH << ", " << threads << " thread" << (threads == 1 ? "" : "s");
  return out.str();
}

std::string model_signature(const Experiment& experiment, const models::AutoencoderImpl& model,
                            int64_t batch_size) {
  const auto& t = experiment.train;
  nlohmann::json sig = {
      {"architecture", nlohmann::json::parse(models::architecture_json(model))},
      {"input", model.input_shape()},
      {"batch", batch_size},
      {"loss", models::name_of(t.loss)},
      {"optimizer", name_of(t.optimizer)},
      {"l1", t.l1 > 0},
      {"task", config::format_toml(task_options_table().to_toml(experiment.task))},
  };
  return sig.dump();
}

std::string step_plan_key(const std::string& machine, const std::string& model) {
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx",
                static_cast<unsigned long long>(fnv1a(machine + "\n" + model)));
  return hex;
}

std::optional<nlohmann::json> read_cached_plan(const fs::path& file, const std::string& key) {
  if (file.empty()) return std::nullopt;
  std::string problem;
  auto cache = read_cache(file, problem);
  if (!cache) {
    log::warn("step plan cache " + file.string() + " " + problem + "; measuring again");
    return std::nullopt;
  }
  if (!cache->contains("plans") || !(*cache)["plans"].contains(key)) return std::nullopt;
  return (*cache)["plans"][key];
}

bool store_cached_plan(const fs::path& file, const std::string& key, const nlohmann::json& entry) {
  if (file.empty()) return false;
  std::string problem;
  // A file that is not a cache was reported when it was read; it is replaced.
  nlohmann::json cache = read_cache(file, problem).value_or(nlohmann::json::object());
  cache["format"] = kFormat;
  if (!cache.contains("plans")) cache["plans"] = nlohmann::json::object();
  cache["plans"][key] = entry;
  // A temporary name of this process: trainings side by side (aelab tune --jobs) never write
  // into each other's temporary file.
  fs::path tmp = file;
  tmp += "." + std::to_string(::getpid()) + ".tmp";
  std::error_code ec;
  fs::create_directories(file.parent_path(), ec);
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << cache.dump(2) << "\n";
    out.close();
    if (!out.good()) {
      fs::remove(tmp, ec);
      log::warn("step plan cache " + file.string() + " cannot be written; the plan is not kept");
      return false;
    }
  }
  fs::rename(tmp, file, ec);
  if (ec) {
    fs::remove(tmp, ec);
    log::warn("step plan cache " + file.string() + " cannot be written (" + ec.message() +
              "); the plan is not kept");
    return false;
  }
  return true;
}

}  // namespace aelab::train
