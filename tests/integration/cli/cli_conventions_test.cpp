// Command-line conventions as a user meets them: `aelab --version`, the bash completion and the
// man page generated from the program (each listing every subcommand), and --data-dir pointing
// at a folder that holds the dataset's files itself, or not at all.
#include <gtest/gtest.h>
#include <torch/cuda.h>
#include <torch/version.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "run_aelab.h"
#include "test_paths.h"

namespace fs = std::filesystem;
using aelab::testing::read_text;
using aelab::testing::run_aelab;
using aelab::testing::run_command;

namespace {

std::string quote(const std::string& s) { return "'" + s + "'"; }

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// The subcommands `aelab [words] --help` lists (the "Subcommands:" block of CLI11's help).
std::vector<std::string> listed_subcommands(const std::string& words) {
  auto r = run_aelab(words + " --help");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  std::vector<std::string> names;
  bool in_block = false;
  for (const auto& line : lines_of(r.output)) {
    if (line == "Subcommands:") {
      in_block = true;
    } else if (in_block) {
      if (line.size() < 3 || line[0] != ' ' || line[2] == ' ') break;
      names.push_back(line.substr(2, line.find(' ', 2) - 2));
    }
  }
  return names;
}

// Every command path: "train", ..., "data fetch", from the help texts alone.
std::vector<std::string> every_command() {
  std::vector<std::string> all;
  for (const auto& top : listed_subcommands("")) {
    all.push_back(top);
    for (const auto& sub : listed_subcommands(top)) all.push_back(top + " " + sub);
  }
  return all;
}

// What the completion offers for `line` (the word under the cursor is the last one; a trailing
// space starts a new empty word), with Debian's bash-completion loaded as in a login shell.
std::set<std::string> complete(const std::string& line) {
  std::string script =
      "source /usr/share/bash-completion/bash_completion; source " + quote(AELAB_COMPLETION_FILE) +
      "; COMP_LINE=" + quote(line) + "; COMP_POINT=${#COMP_LINE}; read -ra COMP_WORDS <<< \"$COMP_LINE\"; "
      "[[ $COMP_LINE == *' ' ]] && COMP_WORDS+=(''); COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); "
      "_aelab; printf '%s\\n' \"${COMPREPLY[@]}\"";
  fs::path file = aelab::testing::temp_dir("complete") / "complete.sh";
  std::ofstream(file) << script << "\n";
  auto r = run_command("bash " + quote(file.string()));
  EXPECT_EQ(r.exit_code, 0) << r.output;
  std::set<std::string> words;
  for (const auto& l : lines_of(r.output)) {
    if (!l.empty()) words.insert(l);
  }
  return words;
}

}  // namespace

TEST(CliVersion, NamesTheVersionLibTorchCudaAndTheBlas) {
  auto r = run_aelab("--version");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  auto lines = lines_of(r.output);
  ASSERT_EQ(lines.size(), 5u) << r.output;
  EXPECT_EQ(lines[0], std::string("aelab ") + AELAB_EXPECTED_VERSION);
  EXPECT_EQ(lines[1], std::string("LibTorch: ") + TORCH_VERSION);
  EXPECT_EQ(lines[2].rfind(torch::cuda::is_available() ? "CUDA: available, " : "CUDA: not available", 0),
            0u) << lines[2];
  // The BLAS that Debian's libblas.so.3 alternative points at, named and with its file.
  std::error_code ec;
  auto blas = fs::canonical("/usr/lib/x86_64-linux-gnu/libblas.so.3", ec);
  ASSERT_FALSE(ec) << "no libblas.so.3";
  EXPECT_NE(lines[3].find("(" + blas.string() + ")"), std::string::npos) << lines[3];
  if (blas.string().find("openblas") != std::string::npos) {
    EXPECT_EQ(lines[3].rfind("BLAS: OpenBLAS 0.", 0), 0u) << lines[3];
  }
  EXPECT_EQ(lines[4].rfind("oneDNN (CPU convolutions): ", 0), 0u) << lines[4];
}

TEST(CliCompletion, TheGeneratedFileCompletesEverySubcommandAndTheirOptions) {
  ASSERT_TRUE(fs::exists(AELAB_COMPLETION_FILE)) << AELAB_COMPLETION_FILE;
  auto top = listed_subcommands("");
  ASSERT_GE(top.size(), 11u);
  EXPECT_EQ(complete("aelab "), std::set<std::string>(top.begin(), top.end()));  // not "completion"
  EXPECT_EQ(complete("aelab tr"), std::set<std::string>{"train"});
  EXPECT_EQ(complete("aelab -q data "), (std::set<std::string>{"fetch", "info"}));
  EXPECT_EQ(complete("aelab train x.toml --re"), std::set<std::string>{"--resume"});
  EXPECT_EQ(complete("aelab train --no-t"), std::set<std::string>{"--no-test"});
  EXPECT_EQ(complete("aelab tune --se"), std::set<std::string>{"--set"});
  EXPECT_EQ(complete("aelab finetune run --thr"), std::set<std::string>{"--threads"});
  // A value of --out is a file name, not a subcommand; global options follow commands too.
  EXPECT_EQ(complete("aelab --data-dir tr").count("train"), 0u);
  EXPECT_EQ(complete("aelab eval --data-d"), std::set<std::string>{"--data-dir"});
  // Every command has its own entry (options: each command's own --help text).
  std::string script = read_text(AELAB_COMPLETION_FILE);
  for (const auto& command : every_command()) {
    EXPECT_NE(script.find("\"" + command + "\")"), std::string::npos) << command;
  }
}

TEST(CliCompletion, InstallPutsItWhereBashCompletionLoadsIt) {
  fs::path home = aelab::testing::temp_dir("completion-home");
  auto r = run_command("env -u XDG_DATA_HOME -u BASH_COMPLETION_USER_DIR HOME=" + quote(home.string()) +
                       " " + quote((aelab::testing::source_dir() / "scripts" / "install_completion.sh").string()) +
                       " " + quote(AELAB_BUILD_DIR));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(read_text(home / ".local/share/bash-completion/completions/aelab"),
            read_text(AELAB_COMPLETION_FILE));
  EXPECT_EQ(fs::canonical(home / ".local/bin/aelab"), fs::canonical(AELAB_BINARY));
  // bash-completion's on-demand loader (what the first Tab on `aelab` runs) finds it.
  r = run_command("env -u XDG_DATA_HOME -u BASH_COMPLETION_USER_DIR HOME=" + quote(home.string()) +
                  " bash -c 'source /usr/share/bash-completion/bash_completion; "
                  "__load_completion aelab && complete -p aelab'");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("complete -F _aelab aelab"), std::string::npos) << r.output;
  if (fs::exists(AELAB_MAN_FILE)) {
    EXPECT_TRUE(fs::exists(home / ".local/share/man/man1/aelab.1"));
  }
}

TEST(CliManPage, GeneratedFromHelpWithASectionPerCommand) {
  if (!fs::exists("/usr/bin/help2man")) GTEST_SKIP() << "help2man not installed: no man page";
  ASSERT_TRUE(fs::exists(AELAB_MAN_FILE)) << AELAB_MAN_FILE;
  auto r = run_command("MANWIDTH=200 MAN_KEEP_FORMATTING= man -l -P cat " + quote(AELAB_MAN_FILE));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const std::string& page = r.output;
  EXPECT_NE(page.find("aelab - train, evaluate, tune and inspect autoencoders"), std::string::npos)
      << page.substr(0, 400);
  for (const auto& command : every_command()) {
    EXPECT_NE(page.find("aelab " + command + "\n"), std::string::npos) << command;
    EXPECT_NE(page.find("Usage: aelab " + command + " [OPTIONS]"), std::string::npos) << command;
  }
  EXPECT_NE(page.find("--no-test"), std::string::npos);
  EXPECT_NE(page.find("AELAB_DATA"), std::string::npos);
}

namespace {
const std::string kTiny =
    " --set data.train_subset=300 --set data.test_subset=100 --set train.epochs=1";

fs::path mnist_files_in(const fs::path& dir) {
  fs::create_directories(dir);
  for (const char* f : {"train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
                        "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"}) {
    fs::create_symlink(aelab::testing::shared_data_dir() / "mnist" / f, dir / f);
  }
  return dir;
}

std::string mnist_train(const fs::path& out) {
  return "train " + quote((aelab::testing::source_dir() / "configs" / "mnist_dense3.toml").string()) +
         " --out " + quote(out.string()) + kTiny;
}
}  // namespace

TEST(CliDataDir, AFolderHoldingTheFourIdxFilesIsUsed) {
  fs::path tmp = aelab::testing::temp_dir("data-dir-itself");
  fs::path digits = mnist_files_in(tmp / "my data" / "digits");  // ~/data/digits/ of a user
  auto r = run_aelab("--data-dir " + quote(digits.string()) + " " + mnist_train(tmp / "run"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("data: mnist from " + digits.string() + " ("), std::string::npos)
      << r.output;
  EXPECT_TRUE(fs::exists(tmp / "run" / "summary.json"));
}

TEST(CliDataDir, AFolderWithoutTheDatasetIsAnErrorEvenWhenAnotherCopyExists) {
  fs::path tmp = aelab::testing::temp_dir("data-dir-empty");
  fs::create_directories(tmp / "empty");
  mnist_files_in(tmp / "elsewhere" / "mnist");
  // Before: aelab trained on the copy in $AELAB_DATA (or ../shared/data) and exited 0.
  auto r = run_command("AELAB_DATA=" + quote((tmp / "elsewhere").string()) + " " +
                       quote(AELAB_BINARY) + " --data-dir " + quote((tmp / "empty").string()) + " " +
                       mnist_train(tmp / "run"));
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_EQ(aelab::testing::last_line(r.output),
            "aelab: --data-dir " + (tmp / "empty").string() +
                ": no mnist there; expected the four IDX files train-images-idx3-ubyte, "
                "train-labels-idx1-ubyte, t10k-images-idx3-ubyte and t10k-labels-idx1-ubyte (each "
                "may be .gz) in " + (tmp / "empty").string() + " or in " +
                (tmp / "empty" / "mnist").string() + "; get it with `aelab data fetch mnist`");
  EXPECT_FALSE(fs::exists(tmp / "run" / "checkpoints"));
  // The same for data.path in the experiment.
  r = run_aelab("-q " + mnist_train(tmp / "run2") + " --set " + quote("data.path=" + (tmp / "empty").string()));
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_EQ(aelab::testing::last_line(r.output).rfind("aelab: data.path " + (tmp / "empty").string() +
                                                          ": no mnist there; expected the four IDX files",
                                                      0),
            0u)
      << r.output;
  // ~/data/mnist given for a Fashion-MNIST experiment: same file names, another dataset.
  fs::path mnist = mnist_files_in(tmp / "mnist");
  r = run_aelab("-q --data-dir " + quote(mnist.string()) + " train " +
                quote((aelab::testing::source_dir() / "configs" / "fashion_mnist_dense3.toml").string()) +
                " --out " + quote((tmp / "run3").string()) + kTiny);
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(aelab::testing::last_line(r.output).find("no fashion-mnist in " + (mnist / "fashion-mnist").string()),
            std::string::npos)
      << r.output;
}
