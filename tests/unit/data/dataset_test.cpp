// The [data] section and the dataset search.
#include "aelab/data/dataset.h"

#include <gtest/gtest.h>

#include <cstdlib>

#include "aelab/config/document.h"
#include "fixtures.h"
#include "test_paths.h"

namespace fs = std::filesystem;
using aelab::config::Document;
using aelab::config::Section;
using aelab::data::DataOptions;
using aelab::testing::error_of;

namespace {
DataOptions read(const std::string& toml) {
  auto doc = Document::parse(toml, "e.toml");
  Section data(doc, "data");
  return aelab::data::read_data_options(data);
}
}  // namespace

TEST(DataOptions, DefaultsAndValues) {
  auto d = read("");
  EXPECT_EQ(d.dataset, "fashion-mnist");
  EXPECT_DOUBLE_EQ(d.val_fraction, 0.1);
  EXPECT_EQ(d.color, "auto");
  auto o = read("[data]\ndataset = \"cifar10\"\nval_fraction = 0.2\ntrain_subset = 500\n"
                "test_subset = 100\nsplit_seed = 7\nimage_size = 16\ncolor = \"gray\"\npath = \"/x\"\n");
  EXPECT_EQ(o.dataset, "cifar10");
  EXPECT_EQ(o.path, "/x");
  EXPECT_DOUBLE_EQ(o.val_fraction, 0.2);
  EXPECT_EQ(o.train_subset, 500);
  EXPECT_EQ(o.test_subset, 100);
  EXPECT_EQ(o.split_seed, 7u);
  EXPECT_EQ(o.image_size, 16);
  EXPECT_EQ(o.color, "gray");
  auto t = aelab::data::data_options_to_toml(o);
  EXPECT_EQ(t["image_size"].value<int64_t>(), 16);
  EXPECT_EQ(t["dataset"].value<std::string>(), "cifar10");
}

TEST(DataOptions, BadValuesNameFileLineAndKey) {
  EXPECT_EQ(error_of([] { read("[data]\nval_fraction = 1.0\n"); }),
            "e.toml:2: data.val_fraction = 1.0: expected a value in [0, 1)");
  EXPECT_EQ(error_of([] { read("[data]\n\ntrain_subset = -3\n"); }),
            "e.toml:3: data.train_subset = -3: expected a value >= 0");
  EXPECT_EQ(error_of([] { read("[data]\nimage_size = \"big\"\n"); }),
            "e.toml:2: data.image_size: expected an integer, got string \"big\"");
  std::string msg = error_of([] { read("[data]\ndataset = \"imagenet\"\n"); });
  EXPECT_EQ(msg.rfind("e.toml:2: data.dataset = \"imagenet\": expected one of: ", 0), 0u) << msg;
  EXPECT_NE(msg.find("fashion-mnist"), std::string::npos) << msg;
  msg = error_of([] { read("[data]\nvalfraction = 0.2\n"); });
  EXPECT_NE(msg.find("valfraction"), std::string::npos) << msg;
  msg = error_of([] { read("[data]\ndataset = \"image-folder\"\n"); });
  EXPECT_EQ(msg.rfind("e.toml:1: data.path: required when dataset = \"image-folder\"", 0), 0u) << msg;
}

TEST(LoadDataset, SearchOrder) {
  fs::path tmp = aelab::testing::temp_dir("ds-order");
  setenv("AELAB_DATA", (tmp / "env").c_str(), 1);
  auto roots = aelab::data::data_roots((tmp / "flag").string());
  unsetenv("AELAB_DATA");
  ASSERT_GE(roots.size(), 4u);
  EXPECT_EQ(roots[0], tmp / "flag");
  EXPECT_EQ(roots[1], tmp / "env");
  EXPECT_EQ(roots[2], fs::path("/usr/share/datasets"));
  EXPECT_EQ(roots[3], (fs::current_path() / ".." / "shared" / "data").lexically_normal());
  auto paths = aelab::data::dataset_search_paths(DataOptions().with_dataset("cifar10"), {tmp});
  EXPECT_EQ(paths, (std::vector<std::string>{
                       (tmp / "cifar10").string(), (tmp / "cifar-10-batches-bin").string(),
                       (tmp / "cifar-10-binary.tar.gz").string(), (tmp / "cifar10-jpg.tar.gz").string(),
                       (tmp / "cifar10-jpg").string()}));
}

TEST(LoadDataset, MissingDatasetListsEveryPlaceAndHowToGetIt) {
  fs::path tmp = aelab::testing::temp_dir("ds-missing");
  fs::create_directories(tmp / "b" / "mnist");  // a folder without the files does not count
  std::string msg = error_of([&] {
    aelab::data::load_dataset_from_roots(DataOptions().with_dataset("mnist"), {tmp / "a", tmp / "b"});
  });
  EXPECT_EQ(msg, "dataset mnist not found; looked in: " + (tmp / "a" / "mnist").string() + ", " +
                     (tmp / "b" / "mnist").string() +
                     "; get it with `aelab data fetch mnist` (or point data.path, --data-dir or "
                     "$AELAB_DATA at a copy)");
  msg = error_of([&] {
    aelab::data::load_dataset_from_roots(DataOptions().with_dataset("fashion-mnist"), {tmp});
  });
  EXPECT_NE(msg.find("apt-get install dataset-fashion-mnist"), std::string::npos) << msg;
}

TEST(LoadDataset, FindsTheFirstRootThatHasIt) {
  fs::path tmp = aelab::testing::temp_dir("ds-first");
  fs::create_directories(tmp / "b" / "mnist");
  for (const char* f : {"train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
                        "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"}) {
    fs::create_symlink(aelab::testing::shared_data_dir() / "mnist" / f, tmp / "b" / "mnist" / f);
  }
  auto d = aelab::data::load_dataset_from_roots(DataOptions().with_dataset("mnist").with_color("rgb"),
                                                {tmp / "a", tmp / "b"});
  EXPECT_EQ(d.source, (tmp / "b" / "mnist").string());
  EXPECT_EQ(d.train.images.sizes(), (std::vector<int64_t>{60000, 3, 28, 28}));
  EXPECT_TRUE(d.test.images[0][0].equal(d.test.images[0][2]));
}

TEST(LoadDataset, ExplicitPathProblems) {
  EXPECT_EQ(error_of([] {
              aelab::data::load_dataset(DataOptions().with_dataset("mnist").with_path("/no/such/dir"));
            }),
            "data.path /no/such/dir: no such file or folder");
  EXPECT_EQ(error_of([] {
              aelab::data::load_dataset(DataOptions().with_dataset("image-folder"));
            }),
            "data.path: required when dataset = \"image-folder\" (a folder or .tar.gz with "
            "train/<class>/ and test/<class>/)");
}

namespace {
// A folder with links to the four MNIST files of the shared data.
fs::path mnist_copy(const fs::path& dir) {
  fs::create_directories(dir);
  for (const char* f : {"train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
                        "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"}) {
    fs::create_symlink(aelab::testing::shared_data_dir() / "mnist" / f, dir / f);
  }
  return dir;
}
}  // namespace

TEST(LoadDataset, DataDirThatHoldsTheFilesItselfIsUsed) {
  fs::path tmp = aelab::testing::temp_dir("ds-dir-itself");
  fs::path digits = mnist_copy(tmp / "digits");
  auto d = aelab::data::load_dataset(DataOptions().with_dataset("mnist"), digits.string());
  EXPECT_EQ(d.source, digits.string());
  EXPECT_EQ(d.train.size(), 60000);
  // The usual layout, <dir>/mnist, comes first.
  mnist_copy(tmp / "digits" / "mnist");
  d = aelab::data::load_dataset(DataOptions().with_dataset("mnist"), digits.string());
  EXPECT_EQ(d.source, (digits / "mnist").string());
  EXPECT_EQ(aelab::data::data_dir_search_paths("mnist", digits),
            (std::vector<std::string>{(digits / "mnist").string(), digits.string()}));
}

TEST(LoadDataset, ADataDirWithoutTheDatasetIsAnErrorNotAFallThrough) {
  fs::path tmp = aelab::testing::temp_dir("ds-dir-missing");
  fs::create_directories(tmp / "empty");
  // A copy elsewhere ($AELAB_DATA) must not be used instead of the folder the user named.
  mnist_copy(tmp / "env" / "mnist");
  setenv("AELAB_DATA", (tmp / "env").c_str(), 1);
  std::string msg = error_of([&] {
    aelab::data::load_dataset(DataOptions().with_dataset("mnist"), (tmp / "empty").string());
  });
  auto found = aelab::data::load_dataset(DataOptions().with_dataset("mnist"));  // no --data-dir
  unsetenv("AELAB_DATA");
  EXPECT_EQ(msg, "--data-dir " + (tmp / "empty").string() +
                     ": no mnist there; expected the four IDX files train-images-idx3-ubyte, "
                     "train-labels-idx1-ubyte, t10k-images-idx3-ubyte and t10k-labels-idx1-ubyte "
                     "(each may be .gz) in " + (tmp / "empty").string() + " or in " +
                     (tmp / "empty" / "mnist").string() + "; get it with `aelab data fetch mnist`");
  EXPECT_EQ(found.source, (tmp / "env" / "mnist").string());
  EXPECT_EQ(error_of([&] {
              aelab::data::load_dataset(DataOptions().with_dataset("mnist"), (tmp / "nope").string());
            }),
            "--data-dir " + (tmp / "nope").string() + ": no such folder");
  msg = error_of([&] {
    aelab::data::load_dataset(DataOptions().with_dataset("cifar10"), (tmp / "empty").string());
  });
  EXPECT_NE(msg.find("no cifar10 there; expected data_batch_1.bin"), std::string::npos) << msg;
}

TEST(LoadDataset, ADataDirNamedForMnistIsNoFashionMnist) {
  fs::path tmp = aelab::testing::temp_dir("ds-dir-other");
  fs::path mnist = mnist_copy(tmp / "mnist");
  std::string msg = error_of([&] {
    aelab::data::load_dataset(DataOptions().with_dataset("fashion-mnist"), mnist.string());
  });
  EXPECT_EQ(msg.rfind("--data-dir " + mnist.string() + ": no fashion-mnist in " +
                          (mnist / "fashion-mnist").string() +
                          " (the folder itself is named for another dataset); expected the four IDX",
                      0),
            0u)
      << msg;
  EXPECT_NE(msg.find("apt-get install dataset-fashion-mnist"), std::string::npos) << msg;
}

TEST(LoadDataset, ADataPathWithoutTheDatasetNamesTheFilesExpected) {
  fs::path tmp = aelab::testing::temp_dir("ds-path-empty");
  EXPECT_EQ(error_of([&] {
              aelab::data::load_dataset(DataOptions().with_dataset("mnist").with_path(tmp.string()));
            }),
            "data.path " + tmp.string() +
                ": no mnist there; expected the four IDX files train-images-idx3-ubyte, "
                "train-labels-idx1-ubyte, t10k-images-idx3-ubyte and t10k-labels-idx1-ubyte (each "
                "may be .gz) in that folder");
}
