#pragma once
// The files a suite points at, made for real: the parser checks that experiment and study files
// exist, and planning a refit step reads its study. One scratch folder per test process:
//
//   <dir>/experiments/{base,other,third}.toml   (contents never read by the suite code)
//   <dir>/studies/s.toml                        a valid study of experiments/base.toml
//   <dir>/suites/demo.toml                      the `source` the tests parse suites as
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <string>

#include "test_paths.h"

namespace aelab::suite::testing {

namespace fs = std::filesystem;

struct SuiteFiles {
  fs::path dir;
  fs::path source;  // where the suite text is said to come from (suites/demo.toml)

  explicit SuiteFiles(const std::string& name) : dir(aelab::testing::temp_dir(name)) {
    fs::create_directories(dir / "experiments");
    fs::create_directories(dir / "studies");
    fs::create_directories(dir / "suites");
    for (const char* e : {"base", "other", "third"}) {
      std::ofstream(dir / "experiments" / (std::string(e) + ".toml")) << "# experiment " << e << "\n";
    }
    std::ofstream(dir / "studies" / "s.toml") << R"([study]
experiment = "../experiments/base.toml"
n_trials = 4
[space]
"train.lr" = { float = [1e-4, 1e-2], log = true }
)";
    source = dir / "suites" / "demo.toml";
  }

  fs::path experiment(const std::string& name) const { return dir / "experiments" / (name + ".toml"); }
  fs::path study() const { return dir / "studies" / "s.toml"; }
};

// Every part must appear in the message (file:line, step, key, what was wrong).
inline void expect_mentions(const std::string& message, std::initializer_list<std::string> parts) {
  for (const auto& part : parts) {
    EXPECT_NE(message.find(part), std::string::npos) << "\"" << part << "\" not in: " << message;
  }
}

}  // namespace aelab::suite::testing
