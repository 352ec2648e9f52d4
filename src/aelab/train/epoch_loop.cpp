#include "aelab/train/epoch_loop.h"

#include <chrono>
#include <cmath>

#include "aelab/train/interrupt.h"


namespace aelab::train {

void EpochRecord::set(const std::string& name, double value) {
  for (auto& [key, v] : values_) {
    if (key == name) {
      v = value;
      return;
    }
  }
  values_.emplace_back(name, value);
}

bool EpochRecord::has(const std::string& name) const {
  for (const auto& [key, v] : values_) {
    if (key == name) return true;
  }
  return false;
}

double EpochRecord::get(const std::string& name) const {
  for (const auto& [key, v] : values_) {
    if (key == name) return v;
  }
  return std::numeric_limits<double>::quiet_NaN();
}

// JSON has no NaN or infinity: those are written as null and read back as NaN.
nlohmann::json EpochRecord::to_json() const {
  nlohmann::json values = nlohmann::json::array();
  for (const auto& [key, v] : values_) {
    values.push_back({key, std::isfinite(v) ? nlohmann::json(v) : nlohmann::json()});
  }
  return {{"epoch", epoch_}, {"values", values}};
}

EpochRecord EpochRecord::from_json(const nlohmann::json& j) {
  EpochRecord r(j.at("epoch").get<int64_t>());
  for (const auto& pair : j.at("values")) {
    const auto& v = pair.at(1);
    r.set(pair.at(0).get<std::string>(),
          v.is_null() ? std::numeric_limits<double>::quiet_NaN() : v.get<double>());
  }
  return r;
}

nlohmann::json LoopState::to_json() const {
  nlohmann::json h = nlohmann::json::array();
  for (const auto& r : history) h.push_back(r.to_json());
  return {{"epoch", epoch},
          {"history", h},
          {"monitor", monitor},
          {"best_epoch", best_epoch},
          {"best_value", std::isfinite(best_value) ? nlohmann::json(best_value) : nlohmann::json()},
          {"train_seconds", train_seconds},
          {"callbacks", callbacks}};
}

void LoopState::load_json(const nlohmann::json& j) {
  epoch = j.at("epoch").get<int64_t>();
  history.clear();
  for (const auto& r : j.at("history")) history.push_back(EpochRecord::from_json(r));
  best_epoch = j.at("best_epoch").get<int64_t>();
  const auto& best = j.at("best_value");
  best_value = best.is_null() ? (maximize ? -INFINITY : INFINITY) : best.get<double>();
  train_seconds = j.at("train_seconds").get<double>();
  callbacks = j.value("callbacks", nlohmann::json::object());
}

void run_epochs(Learner& learner, const std::vector<Callback*>& callbacks, LoopState& state) {
  using Clock = std::chrono::steady_clock;
  for (auto* c : callbacks) c->on_train_begin(state);
  while (state.epoch < state.max_epochs && state.stop == StopReason::kNone) {
    const int64_t epoch = state.epoch + 1;
    for (auto* c : callbacks) c->on_epoch_begin(state, epoch);
    const double lr = learner.learning_rate();
    auto t0 = Clock::now();
    if (stop_requested()) {
      state.request_stop(StopReason::kInterrupted, "stopped by a signal before epoch " +
                                                       std::to_string(epoch));
      break;
    }
    EpochRecord record;
    try {
      record = learner.train_epoch(epoch, callbacks);
    } catch (const EpochInterrupted&) {  // nothing of this epoch is kept
      state.request_stop(StopReason::kInterrupted,
                         "stopped by a signal during epoch " + std::to_string(epoch) +
                             " (the run holds epochs 1-" + std::to_string(state.epoch) + ")");
      break;
    }
    state.train_seconds += std::chrono::duration<double>(Clock::now() - t0).count();
    learner.validate(record);
    record.set("seconds", std::chrono::duration<double>(Clock::now() - t0).count());
    record.set("lr", lr);

    // No monitor: every epoch is the best so far (the last weights are kept). Else a NaN never
    // improves, and the first finite value always does.
    const double value = state.monitor.empty() ? double(epoch) : record.get(state.monitor);
    state.improved = state.monitor.empty() ||
                     (std::isfinite(value) &&
                      (state.best_epoch == 0 || state.improvement(value, state.best_value) > 0));
    if (state.improved) {
      state.best_epoch = epoch;
      state.best_value = value;
    }
    state.epoch = epoch;
    state.history.push_back(std::move(record));
    for (auto* c : callbacks) c->on_epoch_end(state, state.history.back());
  }
  for (auto* c : callbacks) c->on_train_end(state);
}

}  // namespace aelab::train
