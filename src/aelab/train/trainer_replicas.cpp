// Synchronous data parallelism on the CPU (train.replicas): the batch is cut into one share per
// replica, each replica (replica 0 is the trained model itself) runs forward and backward on its
// share on its own thread with one intra-op thread, and the gradients are summed into the
// model's before its one optimizer step. Each share's objective is weighted by its share of the
// batch, so the sum is the objective of the whole batch and its gradient the whole batch's, up
// to float rounding (tests/unit/train/replicas_test.cpp): the same training as one model on
// the whole batch, not a different method.
#include <ATen/CPUGeneratorImpl.h>
#include <torch/torch.h>

#include "aelab/core/error.h"
#include "aelab/train/trainer.h"

namespace aelab::train {

void Trainer::make_replicas(const models::Shape& image) {
  const auto& opts = experiment_.train;
  // Batch norm normalizes with the statistics of the batch it sees: replicas would each use
  // their share's, and train another model than one on the whole batch.
  AELAB_CHECK(!model_->has_batch_norm(), "train.replicas = ", opts.replicas,
              ": the model has batch normalization, whose statistics would be each replica's "
              "share of the batch instead of the batch's; use train.replicas = 1");
  // A vae's sampling and dropout draw from torch's one generator: replicas on several threads
  // would draw in an order that changes from run to run, and a seed would not repeat a training.
  AELAB_CHECK(!model_->draws_random_numbers(), "train.replicas = ", opts.replicas, ": the model ",
              model_->variational() ? "is a vae, which samples its code" : "has dropout",
              " from torch's one random generator, in an order replicas on several threads "
              "would not repeat from run to run; use train.replicas = 1");
  // The copies' own initial weights are overwritten before every step; drawing them must not
  // move torch's generator, or the training would differ from one without replicas.
  auto generator = at::detail::getDefaultCPUGenerator();
  const auto state = generator.get_state();
  for (int64_t r = 1; r < opts.replicas; ++r) {
    auto copy = make_model(experiment_, task_, image);
    copy->to(device_);
    for (auto& p : copy->parameters()) {
      p.set_requires_grad(true);
      if (opts.channels_last && p.dim() == 4) {
        p.set_data(p.contiguous(at::MemoryFormat::ChannelsLast));
      }
    }
    replica_params_.push_back(copy->parameters());
    replicas_.push_back(std::move(copy));
  }
  generator.set_state(state);
  replica_threads_ = std::make_unique<ReplicaThreads>(static_cast<int>(opts.replicas - 1),
                                                      opts.flush_denormal);
}

Trainer::Step Trainer::replica_forward_backward(const at::Tensor& input, const at::Tensor& target,
                                                double beta) {
  const int64_t n = input.size(0);
  const int count = static_cast<int>(std::min<int64_t>(int64_t(replicas_.size()) + 1, n));
  std::vector<Step> shares(static_cast<size_t>(count));
  const bool training = model_->is_training();
  replica_threads_->run(count, [&](int r) {
    auto& model = r == 0 ? model_ : replicas_[size_t(r - 1)];
    auto& params = r == 0 ? params_ : replica_params_[size_t(r - 1)];
    if (r > 0) {
      // The model's weights as they are now (after the last optimizer step, a resume or a
      // restore): reading them while replica 0 computes with them is safe, nothing writes them.
      torch::NoGradGuard no_grad;
      for (size_t i = 0; i < params.size(); ++i) params[i].copy_(params_[i]);
      model->train(training);
    }
    reset_grads(params);
    const int64_t begin = n * r / count, end = n * (r + 1) / count;
    Step s = compute_step(model, params, input.narrow(0, begin, end - begin),
                          target.narrow(0, begin, end - begin), beta);
    const double share = double(end - begin) / double(n);
    (s.total * share).backward();
    auto& out = shares[size_t(r)];
    out.objective = s.objective.detach() * share;
    out.recon = s.recon.detach() * share;
    if (s.kl.defined()) out.kl = s.kl.detach() * share;
  });
  torch::NoGradGuard no_grad;
  for (int r = 1; r < count; ++r) {
    const auto& params = replica_params_[size_t(r - 1)];
    for (size_t i = 0; i < params_.size(); ++i) {
      const auto& g = params[i].grad();
      if (!g.defined()) continue;  // a parameter this step did not reach
      auto& sum = params_[i].mutable_grad();
      if (sum.defined()) {
        sum.add_(g);
      } else {
        sum = g.clone();
      }
    }
  }
  Step whole = shares[0];
  for (int r = 1; r < count; ++r) {
    whole.objective = whole.objective + shares[size_t(r)].objective;
    whole.recon = whole.recon + shares[size_t(r)].recon;
    if (whole.kl.defined()) whole.kl = whole.kl + shares[size_t(r)].kl;
  }
  whole.total = whole.objective;
  return whole;
}

}  // namespace aelab::train
