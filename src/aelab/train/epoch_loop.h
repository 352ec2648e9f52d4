#pragma once
// The one epoch loop of aelab, shared by autoencoder training (Trainer) and classifier
// fine-tuning: a Learner knows how to train and validate one epoch, Callbacks do everything
// around it (schedules, early stopping, checkpoints, metrics files, logging, pruning). The loop
// itself only counts epochs, times them, keeps the history and the best monitored value, and
// asks the callbacks in order. No torch here: learners and callbacks bring their own.
#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace aelab::train {

// The named figures of one epoch, in the order they were added (the columns of metrics.csv).
class EpochRecord {
 public:
  explicit EpochRecord(int64_t epoch = 0) : epoch_(epoch) {}
  int64_t epoch() const { return epoch_; }
  void set(const std::string& name, double value);
  bool has(const std::string& name) const;
  // NaN when absent (e.g. test_loss on an epoch that was not tested).
  double get(const std::string& name) const;
  const std::vector<std::pair<std::string, double>>& values() const { return values_; }

  nlohmann::json to_json() const;
  static EpochRecord from_json(const nlohmann::json& j);

 private:
  int64_t epoch_;
  std::vector<std::pair<std::string, double>> values_;
};

// Why a run ended before its last epoch.
enum class StopReason {
  kNone,
  kEarlyStopping,  // the run is finished: no improvement (or a plateau)
  kCallback,       // a listener asked (a tuner pruned the trial)
  kDiverged,       // a loss became NaN or infinite: the run failed
  kInterrupted,    // SIGINT / SIGTERM: the run was stopped by the user
};

// Set from a signal handler (see interrupt.h); the loop stops at the next step or epoch end.
bool stop_requested();

// Everything the loop carries from epoch to epoch, and through checkpoints.
struct LoopState {
  int64_t max_epochs = 0;
  int64_t epoch = 0;           // the last finished epoch (0 before the first)
  std::vector<EpochRecord> history;
  std::string monitor;         // the figure "best" refers to; empty: the last epoch is best
  bool maximize = false;       // true when higher is better (accuracy), else lower (loss)
  int64_t best_epoch = 0;
  double best_value = std::numeric_limits<double>::infinity();
  bool improved = false;       // set by the loop for the epoch just finished
  double train_seconds = 0;    // training time of every epoch, without validation
  StopReason stop = StopReason::kNone;
  std::string stop_message;    // what the stopping callback said
  nlohmann::json callbacks = nlohmann::json::object();  // each callback's own state, by name

  // How much `value` improves on `reference` in the monitor's direction (> 0: better).
  double improvement(double value, double reference) const {
    return maximize ? value - reference : reference - value;
  }
  // The first reason stands (a diverged epoch that is also "no improvement" stays diverged).
  void request_stop(StopReason reason, std::string message) {
    if (stop != StopReason::kNone) return;
    stop = reason;
    stop_message = std::move(message);
  }
  nlohmann::json to_json() const;
  void load_json(const nlohmann::json& j);
};

// One step's gradients, for callbacks that act between backward and the optimizer step.
class GradientAccess {
 public:
  virtual ~GradientAccess() = default;
  // Scales every gradient so that their global L2 norm is at most max_norm; returns the norm
  // before clipping.
  virtual double clip_grad_norm(double max_norm) = 0;
};

class Callback {
 public:
  virtual ~Callback() = default;
  // A name under which the callback keeps state in LoopState::callbacks (empty = stateless).
  virtual std::string name() const { return ""; }
  virtual void on_train_begin(LoopState&) {}
  virtual void on_epoch_begin(LoopState&, int64_t /*epoch*/) {}
  virtual void on_after_backward(GradientAccess&) {}
  // The record (already the last of state.history) holds the learner's figures; callbacks may
  // add columns and request a stop. They run in order, so writers come after the columns' makers.
  virtual void on_epoch_end(LoopState&, EpochRecord&) {}
  virtual void on_train_end(LoopState&) {}
};

// What one epoch of training means for a model.
class Learner {
 public:
  virtual ~Learner() = default;
  // Trains one epoch and returns its figures (at least the monitored training figure).
  // `after_backward` runs between each backward and optimizer step.
  virtual EpochRecord train_epoch(int64_t epoch, const std::vector<Callback*>& after_backward) = 0;
  // Adds validation figures to the record (nothing when there is no validation split).
  virtual void validate(EpochRecord& record) = 0;
  virtual double learning_rate() const = 0;
  virtual void set_learning_rate(double lr) = 0;
};

// Runs epochs state.epoch + 1 .. state.max_epochs unless a callback stops earlier. The
// monitored value is state.monitor, read from each record (lower is better).
void run_epochs(Learner& learner, const std::vector<Callback*>& callbacks, LoopState& state);

}  // namespace aelab::train
