#pragma once
// Autoencoder training: one epoch of the shared loop (epoch_loop.h). The dataset lives on the training device as uint8; each batch is gathered
// by indexing a seeded permutation into a reused buffer and converted to float there, so no
// per-sample objects, per-step allocations of the batch or host copies exist. Losses are summed
// on the device and read once per epoch. Speed switches (train.channels_last, train.cuda_graph,
// train.bf16) are described with their measured gains in docs/performance.md.
#include <torch/optim/optimizer.h>

#include <filesystem>
#include <functional>
#include <memory>
#include <vector>

#include "aelab/data/splits.h"
#include "aelab/models/autoencoder.h"
#include "aelab/train/callbacks/checkpoints.h"
#include "aelab/train/epoch_loop.h"
#include "aelab/train/experiment.h"
#include "aelab/train/replica_threads.h"
#include "aelab/train/task.h"

namespace aelab::train {

struct EpochMetrics {
  int64_t epoch = 0;
  double train_loss = 0;        // objective without the L1 penalty (recon, + beta*KL for a vae)
  double recon_loss = 0;        // reconstruction term alone (train)
  double kl = 0;                // vae: mean KL per image (train)
  double l1_penalty = 0;        // l1 * sum |w| at the end of the epoch
  double l2_penalty = 0;        // weight_decay / 2 * sum w^2 at the end of the epoch
  double val_loss = 0;          // same objective on the validation split (NaN when none)
  double val_psnr = 0;          // dB, of the output image against the clean image
  double seconds = 0;           // wall time of the epoch (train + validation)
  double images_per_second = 0; // training throughput
  double beta = 0;              // vae: the KL weight used this epoch
  double lr = 0;                // learning rate of the epoch
  double test_loss = 0;         // NaN unless train.test_every tested after this epoch
  double test_psnr = 0;

  // The typed view of a loop record (absent figures are NaN).
  static EpochMetrics from_record(const EpochRecord& record);
};

struct Evaluation {
  double loss = 0;  // the training objective (without penalties)
  double mse = 0;   // of the output image against the clean image
  double psnr = 0;  // mean over images, dB
  int64_t images = 0;
};

struct TrainResult {
  std::vector<EpochMetrics> history;
  std::vector<EpochRecord> records;  // the same epochs with every named figure
  int64_t best_epoch = 0;
  double best_val_loss = 0;
  bool stopped_early = false;
  bool stopped_by_listener = false;
  StopReason stop = StopReason::kNone;  // why it ended before train.epochs, if it did
  std::string stop_message;
  double train_seconds = 0;
  double images_per_second = 0;
  nlohmann::json step_plan;  // how the step ran (step_plan.h); null when no plan was made
};

// Called after every epoch; returning false stops training (tuning prunes trials this way).
using MetricsListener = std::function<bool(const EpochMetrics&)>;

class Trainer : public Learner, public Checkpointable {
 public:
  Trainer(const Experiment& experiment, const data::Splits& splits, c10::Device device);
  ~Trainer() override;

  // Checkpoints (last and best) go into `dir`; empty = none.
  void set_checkpoint_dir(const std::filesystem::path& dir) { checkpoint_dir_ = dir; }
  // Continues from the last checkpoint in that folder: weights, optimizer state, epoch, history,
  // the state of early stopping and of the learning-rate schedule.
  void resume();
  void set_progress(bool interactive) { interactive_ = interactive; }

  // Trains to train.epochs or until a callback stops, with the callbacks the experiment asks
  // for (learning-rate schedule, gradient clipping, early stopping, checkpoints, epoch lines).
  // `extra` callbacks run after the schedule and clipping and before early stopping, so figures
  // they add (test_loss) can be monitored, logged and written.
  TrainResult fit(const std::vector<Callback*>& extra = {});
  TrainResult fit(const MetricsListener& listener);
  // Loads the best weights (when a validation split picked one).
  void restore_best();
  Evaluation evaluate(const data::ImageSet& set);

  models::Autoencoder& model() { return model_; }
  const Task& task() const { return task_; }
  c10::Device device() const { return device_; }
  const Experiment& experiment() const { return experiment_; }

  // A few images for pictures: (network input, output image, clean image), float [N,C,H,W] CPU.
  struct Examples {
    at::Tensor input, output, clean;
  };
  Examples examples(const data::ImageSet& set, int64_t count);

  // One training step (gather, task, forward, loss, backward, optimizer) on the `step`-th full
  // batch of consecutive training images, outside any epoch, as train_epoch steps. For timing
  // the step on a throwaway trainer (step_plan.h): it changes this trainer's weights.
  void step_for_timing(int64_t step);

  // Learner
  EpochRecord train_epoch(int64_t epoch, const std::vector<Callback*>& after_backward) override;
  void validate(EpochRecord& record) override;
  double learning_rate() const override;
  void set_learning_rate(double lr) override;
  // Checkpointable
  void save_weights(const std::filesystem::path& file) override;
  void save_training_state(const std::filesystem::path& file, const LoopState& state) override;

 private:
  // The pieces of one objective evaluation, as device tensors (no host sync).
  struct Step {
    at::Tensor objective;  // recon (+ beta * KL)
    at::Tensor recon;
    at::Tensor kl;
    at::Tensor total;      // objective + the L1 penalty: what backward() differentiates
  };
  struct BatchBuffers;
  struct Graph;
  at::Tensor batch_images(const at::Tensor& images, const at::Tensor& index) const;
  // batch_images into buffers_ (reused every step; the last, shorter batch is a narrowed view).
  at::Tensor gather_batch(const at::Tensor& index);
  // The objective of one batch through `model` (whose parameters are `params`) and the pieces
  // reported per epoch (no backward, no host sync).
  Step compute_step(models::Autoencoder& model, const std::vector<at::Tensor>& params,
                    const at::Tensor& input, const at::Tensor& target, double beta);
  // Zeroes every gradient of `params` in place (kept allocated: backward adds into it).
  static void reset_grads(std::vector<at::Tensor>& params);
  // train.replicas > 1 on the CPU (trainer_replicas.cpp): builds the model's copies and their
  // threads, and runs forward and backward of each share of the batch on its own copy at the
  // same time, leaving the summed gradients in the model's parameters.
  void make_replicas(const models::Shape& image);
  Step replica_forward_backward(const at::Tensor& input, const at::Tensor& target, double beta);
  // The step without a CUDA graph: zeroed gradients, compute_step, backward, `after_backward`
  // (gradient clipping), optimizer step.
  Step eager_step(const at::Tensor& input, const at::Tensor& target, double beta,
                  const std::vector<Callback*>& after_backward);
  // One optimizer step on a full batch through a captured CUDA graph (capturing it first).
  Step graph_step(const at::Tensor& input, const at::Tensor& target, double beta);
  double beta_for(int64_t epoch) const;

  Experiment experiment_;
  c10::Device device_;
  Task task_;
  models::Autoencoder model_{nullptr};
  std::unique_ptr<torch::optim::Optimizer> optimizer_;
  at::Tensor train_images_, val_images_;
  std::vector<at::Tensor> params_;
  std::unique_ptr<BatchBuffers> buffers_;
  std::unique_ptr<Graph> graph_;  // CUDA builds with train.cuda_graph on a GPU; else unused
  // train.replicas > 1: the copies besides model_ (replica 0), their parameters, their threads.
  std::vector<models::Autoencoder> replicas_;
  std::vector<std::vector<at::Tensor>> replica_params_;
  std::unique_ptr<ReplicaThreads> replica_threads_;
  std::filesystem::path checkpoint_dir_;
  bool interactive_ = false;
  std::unique_ptr<class Progress> progress_;
  LoopState state_;  // carried across fit() calls and through checkpoints
};

// The experiment's model for images of shape `image`, shaped by the task (a colorizer takes one
// channel and predicts the chroma; the output activation comes resolved with the experiment).
models::Autoencoder make_model(const Experiment& experiment, const Task& task,
                               const models::Shape& image);

// Loads the weights of a checkpoint written by Trainer into `model`.
void load_weights(models::Autoencoder& model, const std::filesystem::path& checkpoint);

}  // namespace aelab::train
