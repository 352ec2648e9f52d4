// aelab data fetch <name> [--dest DIR] [--url BASE]; aelab data info <name>
#include <iostream>

#include "aelab/data/dataset.h"
#include "aelab/data/fetch.h"
#include "commands.h"

namespace aelab::cli {

void add_data_command(CLI::App& app, const GlobalOptions& global, Command& run) {
  auto* data = app.add_subcommand("data", "download or inspect datasets");
  data->require_subcommand(1);

  struct FetchArgs {
    std::string name, dest, url;
  };
  auto fetch = std::make_shared<FetchArgs>();
  auto* cmd = data->add_subcommand("fetch", "download a dataset's official files and verify them");
  cmd->add_option("name", fetch->name, "mnist, fashion-mnist or cifar10")->required();
  cmd->add_option("--dest", fetch->dest, "folder to put <name>/ in (default: --data-dir, or ./data)");
  cmd->add_option("--url", fetch->url, "base URL of a mirror holding the same file names");
  cmd->callback([fetch, &global, &run] {
    run = [fetch, &global] {
      std::string dest = !fetch->dest.empty() ? fetch->dest
                         : !global.data_dir.empty() ? global.data_dir
                                                    : std::string("data");
      data::fetch_dataset(fetch->name, dest, fetch->url);
      std::cout << fetch->name << " is in " << (std::filesystem::path(dest) / fetch->name).string()
                << " (use --data-dir " << dest << " or AELAB_DATA=" << dest << ")" << std::endl;
      return 0;
    };
  });

  auto info_name = std::make_shared<std::string>();
  auto* info = data->add_subcommand("info", "load a dataset and print its size and statistics");
  info->add_option("name", *info_name, "mnist, fashion-mnist, cifar10, or an image-folder path")
      ->required();
  info->callback([info_name, &global, &run] {
    run = [info_name, &global] {
      data::DataOptions options;
      if (std::filesystem::exists(*info_name)) {
        options.dataset = "image-folder";
        options.path = *info_name;
      } else {
        options.dataset = *info_name;
      }
      data::validate_data_options(options);
      auto ds = data::load_dataset(options, global.data_dir);
      auto describe = [](const char* split, const data::ImageSet& s) {
        auto f = s.images.to(at::kFloat);
        std::cout << "  " << split << ": " << s.size() << " images, pixel mean "
                  << f.mean().item<double>() << ", std " << f.std().item<double>() << "\n";
      };
      std::cout << ds.name << " from " << ds.source << ": " << ds.channels() << "x" << ds.height()
                << "x" << ds.width() << ", " << ds.class_names.size() << " classes\n";
      describe("train", ds.train);
      describe("test", ds.test);
      return 0;
    };
  });
}

}  // namespace aelab::cli
