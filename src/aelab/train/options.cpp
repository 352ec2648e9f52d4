#include "aelab/train/options.h"

namespace aelab::train {

TrainOptions read_train_options(config::Section& s) {
  TrainOptions o;
  o.epochs = s.get_int("epochs", o.epochs);
  if (o.epochs < 1) s.fail("epochs", "expected at least 1 epoch");
  o.batch_size = s.get_int("batch_size", o.batch_size);
  if (o.batch_size < 1) s.fail("batch_size", "expected a positive batch size");
  o.lr = s.get_double("lr", o.lr);
  if (!(o.lr > 0)) s.fail("lr", "expected a learning rate > 0");
  o.optimizer = s.get_choice("optimizer", o.optimizer, {"adam", "adamw", "sgd", "rmsprop"});
  o.momentum = s.get_double("momentum", o.momentum);
  if (o.momentum < 0 || o.momentum >= 1) s.fail("momentum", "expected a value in [0, 1)");
  o.weight_decay = s.get_double("weight_decay", o.weight_decay);
  if (o.weight_decay < 0) s.fail("weight_decay", "expected a value >= 0");
  o.l1 = s.get_double("l1", o.l1);
  if (o.l1 < 0) s.fail("l1", "expected a value >= 0");
  o.loss = s.get_choice("loss", o.loss, {"mse", "bce", "l1"});
  int64_t seed = s.get_int("seed", 0);
  if (seed < 0) s.fail("seed", "expected a seed >= 0");
  o.seed = static_cast<uint64_t>(seed);
  auto es = s.sub("early_stopping");
  o.early_stopping.patience = es.get_int("patience", 0);
  if (o.early_stopping.patience < 0) es.fail("patience", "expected >= 0 epochs");
  o.early_stopping.min_delta = es.get_double("min_delta", 0.0);
  if (o.early_stopping.min_delta < 0) es.fail("min_delta", "expected >= 0");
  es.finish();
  o.device = s.get_string("device", o.device);
  if (o.device != "auto" && o.device != "cpu" && o.device.rfind("cuda", 0) != 0) {
    s.fail("device", "unknown device \"" + o.device + "\" (expected auto, cpu, cuda or cuda:N)");
  }
  o.threads = s.get_int("threads", o.threads);
  if (o.threads < 0) s.fail("threads", "expected >= 0 (0 = all cores)");
  o.beta = s.get_double("beta", o.beta);
  if (o.beta < 0) s.fail("beta", "expected >= 0");
  o.kl_warmup_epochs = s.get_int("kl_warmup_epochs", o.kl_warmup_epochs);
  if (o.kl_warmup_epochs < 0) s.fail("kl_warmup_epochs", "expected >= 0");
  o.eval_batch_size = s.get_int("eval_batch_size", o.eval_batch_size);
  if (o.eval_batch_size < 1) s.fail("eval_batch_size", "expected a positive batch size");
  o.channels_last = s.get_bool("channels_last", o.channels_last);
  o.cuda_graph = s.get_bool("cuda_graph", o.cuda_graph);
  o.bf16 = s.get_bool("bf16", o.bf16);
  o.phase_conv_transpose = s.get_bool("phase_conv_transpose", o.phase_conv_transpose);
  s.finish();
  return o;
}

TaskOptions read_task_options(config::Section& s) {
  TaskOptions o;
  o.kind = s.get_choice("kind", o.kind, {"reconstruct", "denoise", "colorize"});
  o.corruption = s.get_string_list("corruption", {});
  if (o.kind == "denoise" && o.corruption.empty()) {
    s.fail("corruption", "a denoise task needs corruption = \"gaussian:0.3\" (or a list)");
  }
  o.color_space = s.get_choice("color_space", o.color_space, {"rgb", "yiq", "lab"});
  int64_t seed = s.get_int("noise_seed", 0);
  if (seed < 0) s.fail("noise_seed", "expected a seed >= 0");
  o.noise_seed = static_cast<uint64_t>(seed);
  s.finish();
  return o;
}

}  // namespace aelab::train
