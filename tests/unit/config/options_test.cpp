// The option tables of [data], [train], [task], finetune and the layer options: reading, checks,
// the resolved experiment file, and docs/experiment-files.md generated from the tables.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "aelab/data/options.h"
#include "aelab/models/model_spec.h"
#include "aelab/train/experiment.h"
#include "aelab/train/finetune_options.h"
#include "aelab/train/options.h"
#include "error_of.h"

using namespace aelab;
using aelab::testing::error_of;

namespace {

std::string experiment_text(const std::string& train_extra, const std::string& model_extra = "") {
  return "[data]\ndataset = \"mnist\"\n[model]\nencoder = [\"flatten\", { dense = { units = 8 } }]\n" +
         model_extra + "[train]\n" + train_extra;
}

train::Experiment resolve(const std::string& text) {
  return train::resolve_experiment(config::Document::parse(text, "e.toml"));
}

}  // namespace

TEST(TrainOptions, ReadsNewKeysAndEnums) {
  auto e = resolve(experiment_text(
      "optimizer = \"rmsprop\"\nloss = \"l1\"\nepochs = 4.0\ngrad_clip_norm = 1.5\ntest_every = 2\n"
      "snapshot_every = 3\n[train.early_stopping]\npatience = 4\nmode = \"two_sided\"\n"
      "[train.lr_schedule]\nkind = \"cosine\"\nmin_lr = 1e-5\n[task]\nkind = \"denoise\"\n"
      "corruption = \"gaussian:0.3\"\nnoise_seed = 3\n"));
  EXPECT_EQ(e.train.optimizer, train::Optimizer::kRmsprop);
  EXPECT_EQ(e.train.loss, models::LossKind::kL1);
  EXPECT_EQ(e.train.epochs, 4);
  EXPECT_DOUBLE_EQ(e.train.grad_clip_norm, 1.5);
  EXPECT_EQ(e.train.test_every, 2);
  EXPECT_EQ(e.train.snapshot_every, 3);
  EXPECT_EQ(e.train.early_stopping.patience, 4);
  EXPECT_EQ(e.train.early_stopping.mode, train::EarlyStoppingMode::kTwoSided);
  EXPECT_EQ(e.train.lr_schedule.kind, train::LrScheduleKind::kCosine);
  EXPECT_EQ(e.train.lr_schedule.t_max, 0);  // 0 = the whole run, read so by the schedule
  EXPECT_DOUBLE_EQ(e.train.lr_schedule.min_lr, 1e-5);
  EXPECT_EQ(e.task.kind, train::TaskKind::kDenoise);
  EXPECT_EQ(e.task.noise_seed, 3u);
  EXPECT_EQ(train::name_of(train::Optimizer::kAdamW), "adamw");
  EXPECT_EQ(train::name_of(train::EarlyStoppingMode::kNoImprovement), "no_improvement");
  EXPECT_EQ(train::name_of(train::LrScheduleKind::kPlateau), "plateau");
  EXPECT_EQ(train::name_of(train::TaskKind::kColorize), "colorize");
  EXPECT_EQ(models::name_of(models::LossKind::kBce), "bce");
}

TEST(TrainOptions, ErrorsQuoteValueFileLineAndKey) {
  auto err = [](const std::string& extra) { return error_of([&] { resolve(experiment_text(extra)); }); };
  EXPECT_EQ(err("lr = -1\n"), "e.toml:6: train.lr = -1: expected a learning rate > 0");
  EXPECT_EQ(err("optimizer = \"adamm\"\n"),
            "e.toml:6: train.optimizer = \"adamm\": unknown value (expected one of: adam, adamw, "
            "sgd, rmsprop)");
  EXPECT_EQ(err("epochs = 4.5\n"), "e.toml:6: train.epochs: expected an integer, got number 4.5");
  EXPECT_EQ(err("[train.lr_schedule]\nkind = \"linear\"\n"),
            "e.toml:7: train.lr_schedule.kind = \"linear\": unknown value (expected one of: "
            "constant, step, cosine, plateau)");
  EXPECT_EQ(err("[train.early_stopping]\nmode = \"both\"\n"),
            "e.toml:7: train.early_stopping.mode = \"both\": unknown value (expected one of: "
            "no_improvement, two_sided)");
  EXPECT_EQ(err("momentum = 1.0\n"), "e.toml:6: train.momentum = 1.0: expected a value in [0, 1)");
  EXPECT_EQ(err("device = \"gpu\"\n"),
            "e.toml:6: train.device = \"gpu\": expected auto, cpu, cuda or cuda:N");
  auto msg = err("lrr = 0.1\n");
  EXPECT_EQ(msg.rfind("e.toml:6: train.lrr: unknown key", 0), 0u) << msg;
  msg = error_of([] { resolve(experiment_text("") + "[task]\nkind = \"denoise\"\n"); });
  EXPECT_NE(msg.find("task.corruption: a denoise task needs corruption"), std::string::npos) << msg;

  train::TrainOptions o;
  o.lr = -1;
  EXPECT_EQ(error_of([&] { train::validate_train_options(o); }),
            "train.lr = -1: expected a learning rate > 0");
  o = {};
  o.lr_schedule.step_size = 0;
  EXPECT_EQ(error_of([&] { train::validate_train_options(o); }),
            "train.lr_schedule.step_size = 0: expected a value >= 1");
}

TEST(TrainOptions, ResolvedFileWritesEveryKeyAndReadsBackTheSame) {
  auto e = resolve(experiment_text("lr = 0.1\nmomentum = 0.3\noptimizer = \"sgd\"\n[train.lr_schedule]\n"
                                   "kind = \"step\"\ngamma = 0.5\n") +
                   "[task]\nkind = \"colorize\"\ncolor_space = \"yiq\"\n");
  std::string text = e.resolved_toml();  // toml++ writes plain strings as 'literal strings'
  for (const char* key : {"lr = 0.1\n", "momentum = 0.3\n", "optimizer = 'sgd'", "seed = 0",
                          "kind = 'step'", "t_max = 0", "threshold = 1e-4",
                          "mode = 'no_improvement'", "grad_clip_norm = 0.0", "test_every = 0",
                          "color_space = 'yiq'", "output_activation = 'tanh'",
                          "val_fraction = 0.1\n"}) {
    EXPECT_NE(text.find(key), std::string::npos) << key << "\n" << text;
  }
  auto again = train::resolve_experiment(config::Document::parse(text, "resolved.toml"));
  EXPECT_TRUE(train::train_options_table().equal(again.train, e.train));
  EXPECT_TRUE(train::task_options_table().equal(again.task, e.task));
  EXPECT_TRUE(data::data_options_table().equal(again.data, e.data));
  EXPECT_EQ(again.model.output_activation, models::LayerType::kTanh);
  EXPECT_EQ(again.resolved_toml(), text);
}

TEST(TrainOptions, DerivedDefaultsResolvedOnce) {
  auto e = resolve(experiment_text("epochs = 7\n") + "[task]\nkind = \"colorize\"\n");
  // t_max = 0 is not resolved to train.epochs: a resumed run given more epochs keeps its cosine
  // spanning them (LrScheduler, tested in tests/unit/train/callbacks_test.cpp).
  EXPECT_EQ(e.train.lr_schedule.t_max, 0);
  EXPECT_EQ(e.model.output_activation, models::LayerType::kTanh);  // lab chroma is signed
  e = resolve(experiment_text("", "output_activation = \"sigmoid\"\n") +
              "[task]\nkind = \"colorize\"\n");
  EXPECT_EQ(e.model.output_activation, models::LayerType::kSigmoid);  // as written
  e = resolve(experiment_text("") + "[task]\nkind = \"colorize\"\ncolor_space = \"rgb\"\n");
  EXPECT_EQ(e.model.output_activation, models::LayerType::kSigmoid);
}

TEST(DataOptions, ValidatesInCodeLikeTheReader) {
  data::DataOptions o;
  EXPECT_NO_THROW(data::validate_data_options(o));
  o.val_fraction = 1;
  EXPECT_EQ(error_of([&] { data::validate_data_options(o); }),
            "data.val_fraction = 1: expected a value in [0, 1)");
  o = data::DataOptions().with_dataset("imagenet");
  EXPECT_EQ(error_of([&] { data::validate_data_options(o); }),
            "data.dataset = \"imagenet\": expected one of: mnist, fashion-mnist, cifar10, "
            "image-folder");
  o = data::DataOptions().with_dataset("image-folder");
  auto msg = error_of([&] { data::validate_data_options(o); });
  EXPECT_EQ(msg.rfind("data.path: required when dataset = \"image-folder\"", 0), 0u) << msg;
}

TEST(FinetuneOptions, MessagesNameTheFlagsAndTheFileHasEveryOption) {
  train::FinetuneOptions o;
  o.epochs = 0;
  EXPECT_EQ(error_of([&] { train::validate_finetune_options(o); }),
            "--epochs 0: expected at least 1 epoch");
  o = {};
  o.eval_batch_size = 0;
  EXPECT_EQ(error_of([&] { train::validate_finetune_options(o); }),
            "finetune.eval_batch_size = 0: expected a positive batch size");
  o = {};
  o.lr = 0.3;
  o.labels_per_class = 10;
  std::string text = train::finetune_options_toml(o, "/tmp/run");
  for (const char* key : {"lr = 0.3\n", "labels_per_class = 10", "mode = 'frozen'",
                          "source_run = '/tmp/run'", "eval_batch_size = 1000", "hidden = 64"}) {
    EXPECT_NE(text.find(key), std::string::npos) << key << "\n" << text;
  }
}

TEST(LayerOptions, SameNumericRuleAsConfigKeys) {
  auto spec = resolve(experiment_text("", "kind = \"ae\"\n")).model;
  EXPECT_EQ(spec.kind, models::ModelKind::kAe);
  auto with_encoder = [](const std::string& encoder) {
    return "[params]\nn = 3\nf = 2.0\n[model]\nencoder = " + encoder + "\n";
  };
  auto model = [&](const std::string& encoder) {
    return models::read_model_spec(config::Document::parse(with_encoder(encoder), "e.toml"));
  };
  auto m = model("[{ conv2d = { filters = 8.0, kernel = 3, padding = \"same\" } }, "
                 "{ conv2d = { filters = \"$n*2\", padding = 1.0 } }, { maxpool = { kernel = \"$f\" } }]");
  EXPECT_EQ(m.encoder[0].filters, 8);
  EXPECT_EQ(m.encoder[0].padding, models::Padding::same());
  EXPECT_EQ(m.encoder[1].filters, 6);
  EXPECT_EQ(m.encoder[1].padding, models::Padding::number(1));
  EXPECT_EQ(m.encoder[2].kernel, 2);
  EXPECT_EQ(m.encoder[2].padding.pixels_for(2), 0);
  EXPECT_EQ(models::Padding::same().pixels_for(5), 2);
  EXPECT_EQ(models::Padding::valid().text(), "valid");

  EXPECT_EQ(error_of([&] { model("[{ conv2d = { filters = 8.5 } }]"); }),
            "e.toml:5: model.encoder[0] (conv2d): filters: expected an integer, got number 8.5");
  EXPECT_EQ(error_of([&] { model("[{ conv2d = { filters = 0 } }]"); }),
            "e.toml:5: model.encoder[0] (conv2d): filters = 0: expected a positive number of "
            "filters");
  EXPECT_EQ(error_of([&] { model("[{ dense = { units = \"$n*-1\" } }]"); }),
            "e.toml:5: model.encoder[0] (dense): units = \"$n*-1\" (= -3): expected a positive "
            "number of units");
  auto msg = error_of([&] { model("[{ dense = { units = 4, unitz = 3 } }]"); });
  EXPECT_NE(msg.find("model.encoder[0] (dense): unitz: unknown option for this layer (known "
                     "options: bias, units)"),
            std::string::npos)
      << msg;
  EXPECT_NE(error_of([&] { model("[{ dense = { units = \"$m\" } }]"); })
                .find("refers to $m but [params] has no 'm'"),
            std::string::npos);
  EXPECT_NE(error_of([] {
              models::read_model_spec(config::Document::parse(
                  "[model]\nkind = \"gan\"\nencoder = [\"relu\"]\n", "e.toml"));
            }).find("model.kind = \"gan\": unknown value (expected one of: ae, vae)"),
            std::string::npos);
}

// docs/experiment-files.md holds each table between <!-- options:NAME --> and
// <!-- /options:NAME -->, generated from the tables. AELAB_UPDATE_DOCS=1 rewrites the blocks
// (scripts/update_option_docs.sh); otherwise a difference fails, so the docs are never edited
// by hand and never drift from the code.
TEST(OptionDocs, ExperimentFilesMatchTheTables) {
  const std::filesystem::path file = std::filesystem::path(AELAB_SOURCE_DIR) / "docs/experiment-files.md";
  std::ifstream in(file);
  ASSERT_TRUE(in) << file;
  std::stringstream buf;
  buf << in.rdbuf();
  std::string text = buf.str();
  const std::vector<std::pair<std::string, std::string>> blocks = {
      {"data", data::data_options_table().markdown()},
      {"train", train::train_options_table().markdown()},
      {"task", train::task_options_table().markdown()},
      {"finetune", train::finetune_options_table().markdown()},
  };
  const bool update = std::getenv("AELAB_UPDATE_DOCS") != nullptr;
  for (const auto& [name, table] : blocks) {
    const std::string open = "<!-- options:" + name + " -->\n", close = "<!-- /options:" + name + " -->";
    auto a = text.find(open);
    auto b = text.find(close);
    ASSERT_TRUE(a != std::string::npos && b != std::string::npos && a < b)
        << file << " has no block " << open << "..." << close;
    a += open.size();
    if (update) {
      text.replace(a, b - a, table);
    } else {
      EXPECT_EQ(text.substr(a, b - a), table)
          << "docs/experiment-files.md [" << name << "] is out of date: run "
          << "scripts/update_option_docs.sh";
    }
  }
  if (update) std::ofstream(file) << text;
}
