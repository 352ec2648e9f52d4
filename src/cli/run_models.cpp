#include "run_models.h"

#include <unistd.h>

#include <fstream>
#include <map>
#include <mutex>
#include <sstream>
#include <thread>

#include "aelab/analysis/generation.h"
#include "aelab/analysis/run_model.h"
#include "aelab/core/error.h"
#include "aelab/report/grid.h"
#include "aelab/report/image.h"
#include "aelab/train/pipeline.h"
#include "aelab/train/run_folder.h"
#include "aelab/train/trainer.h"

namespace aelab::cli {
namespace {

namespace fs = std::filesystem;

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

}  // namespace

std::unique_ptr<serve::ModelService> make_run_models(const GlobalOptions& global) {
  return std::make_unique<RunModels>(global);
}

}  // namespace aelab::cli
