#include "train/run_state.hpp"

#include <cmath>
#include <stdexcept>

#include <fmt/format.h>

namespace relunet {

nlohmann::json state_json(const TrainOptions& o, const RunState& s) {
  return {{"options", to_json(o)},
          {"epoch", s.epoch},
          {"step", s.step},
          {"total_steps", s.total_steps},
          {"epochs_total", s.epochs_total},
          {"best_val_accuracy", s.best_val_accuracy},
          {"best_epoch", s.best_epoch},
          {"elapsed_seconds", s.elapsed_seconds},
          {"ranks", s.ranks},
          {"speed",
           {{"step_seconds", s.speed.step_seconds},
            {"epoch_end_seconds", s.speed.epoch_end_seconds},
            {"val_seconds", s.speed.val_seconds}}},
          {"unit_history", s.unit_history.to_json()},
          {"partial_epoch",
           {{"batch", s.partial.batch},
            {"loss_sum", s.partial.loss_sum},
            {"correct", s.partial.correct},
            {"seen", s.partial.seen},
            {"units", [&] {
               nlohmann::json units = nlohmann::json::array();
               for (const auto& c : s.partial.units) units.push_back(to_json(c));
               return units;
             }()}}}};
}

RunState state_from_json(const nlohmann::json& j) {
  RunState s;
  s.epoch = j.at("epoch");
  s.step = j.at("step");
  s.epochs_total = j.at("epochs_total");
  s.best_val_accuracy = j.at("best_val_accuracy");
  s.best_epoch = j.at("best_epoch");
  s.elapsed_seconds = j.at("elapsed_seconds");
  // Absent before runs were planned in steps (the trainer then counts whole epochs) and before
  // the budget plan kept its speeds (it measures them afresh).
  s.total_steps = j.value("total_steps", int64_t(0));
  s.ranks = j.value("ranks", int64_t(1));  // absent before data-parallel training: one process
  if (j.contains("speed")) {
    const auto& v = j["speed"];
    s.speed.step_seconds = v.at("step_seconds");
    s.speed.epoch_end_seconds = v.at("epoch_end_seconds");
    s.speed.val_seconds = v.at("val_seconds");
  }
  // Absent in checkpoints written before unit history existed: the history starts afresh.
  if (j.contains("unit_history"))
    s.unit_history = UnitHistory::from_json(j["unit_history"], "checkpoint train state");
  if (j.contains("partial_epoch")) {
    const auto& p = j["partial_epoch"];
    s.partial.batch = p.at("batch");
    s.partial.loss_sum = p.at("loss_sum");
    s.partial.correct = p.at("correct");
    s.partial.seen = p.at("seen");
    for (const auto& c : p.at("units"))
      s.partial.units.push_back(unit_counters_from_json(c, "checkpoint train state"));
  }
  return s;
}

void check_state(const RunState& s, const TrainOptions& o) {
  const auto require = [](bool ok, const std::string& what) {
    if (!ok) throw std::runtime_error(what);
  };
  require(s.epochs_total >= 1 && s.epochs_total <= o.epochs,
          fmt::format("epochs_total {} is not from 1 to the run's --epochs {}", s.epochs_total, o.epochs));
  require(s.epoch >= 0 && s.epoch <= s.epochs_total,
          fmt::format("epoch {} is not from 0 to epochs_total {}", s.epoch, s.epochs_total));
  require(s.step >= 0, fmt::format("step {} is negative", s.step));
  require(s.ranks >= 1, fmt::format("ranks {} is not a process count", s.ranks));
  require(s.best_epoch >= 0 && s.best_epoch <= s.epoch,
          fmt::format("best_epoch {} is not from 0 to epoch {}", s.best_epoch, s.epoch));
  require(s.best_val_accuracy >= -1 && s.best_val_accuracy <= 1,
          fmt::format("best_val_accuracy {} is not from -1 to 1", s.best_val_accuracy));
  require(std::isfinite(s.elapsed_seconds) && s.elapsed_seconds >= 0,
          fmt::format("elapsed_seconds {} is not a time", s.elapsed_seconds));
  const auto& p = s.partial;
  require(p.batch >= 0 && p.seen >= 0 && p.correct >= 0 && p.correct <= p.seen &&
              std::isfinite(p.loss_sum) && p.loss_sum >= 0,
          fmt::format("partial_epoch (batch {}, seen {}, correct {}, loss_sum {}) is inconsistent",
                      p.batch, p.seen, p.correct, p.loss_sum));
  require(p.batch == 0 || s.epoch < s.epochs_total, "partial_epoch follows the last epoch");
  require(s.total_steps >= 0 && (s.total_steps == 0 || s.step <= s.total_steps),
          fmt::format("step {} is past total_steps {}", s.step, s.total_steps));
  for (double seconds : {s.speed.step_seconds, s.speed.epoch_end_seconds, s.speed.val_seconds})
    require(std::isfinite(seconds) && seconds >= 0, fmt::format("a measured speed ({}) is not a time", seconds));
}

void check_partial_epoch(const RunState::PartialEpoch& p, const ModelSpec& spec, int64_t steps_per_epoch,
                         bool unit_stats, const std::string& last_path) {
  const auto fail = [&](const std::string& what) {
    throw std::runtime_error(last_path + ": malformed training state: partial_epoch: " + what);
  };
  if (p.batch >= steps_per_epoch)
    fail(fmt::format("{} batches done of an epoch of {}", p.batch, steps_per_epoch));
  if (p.batch == 0 || !unit_stats) return;
  std::vector<const LayerSpec*> acts;  // in the order of Network::activations()
  for (const LayerSpec& layer : spec.layers)
    if (layer.kind == LayerKind::Activation) acts.push_back(&layer);
  if (p.units.size() != acts.size())
    fail(fmt::format("unit counters for {} layers, the model has {}", p.units.size(), acts.size()));
  for (size_t i = 0; i < acts.size(); ++i)  // one counter per channel (conv) or unit (fc)
    if (p.units[i].active.size() != size_t(acts[i]->out.c))
      fail(fmt::format("unit counters for {} units in layer {}, which has {}", p.units[i].active.size(),
                       acts[i]->unit_layer, acts[i]->out.c));
}

}  // namespace relunet
