// unit_history.hpp — when each unit died and whether dead units come back, across epochs.
//
// Fed one set of per-layer reports per epoch (the trainer uses the validation reports, or the
// training reports when the run has no validation split). A unit dies at the first epoch of a
// run of epochs on which its report calls it dead, and revives at the first epoch after such a
// run on which it is not dead. Before the first update every unit counts as alive, so units dead
// at the first update die at that epoch. Saved in checkpoints so a resumed run keeps its history.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "stats/unit_report.hpp"

namespace relunet {

struct LayerHistory {
  std::string layer;              // the conv/fc layer, as in LayerUnitReport::layer
  std::vector<int64_t> died_at;   // per unit: the epoch its current death began; -1 while alive
  std::vector<int64_t> revivals;  // per unit: how many times it came back after being dead
};

// What changed in one layer at one epoch.
struct LayerTransitions {
  std::string layer;
  std::vector<int64_t> died;     // unit indices dead now and alive at the previous update
  std::vector<int64_t> revived;  // unit indices alive now and dead at the previous update
};

class UnitHistory {
 public:
  // Records `epoch`'s reports and returns, per layer in report order, the units that died and
  // revived. The first update fixes the layers; later reports must name the same layers with
  // the same unit counts, and epochs must increase. Throws std::logic_error otherwise.
  std::vector<LayerTransitions> update(int64_t epoch, const std::vector<LayerUnitReport>& reports);

  int64_t epoch() const { return epoch_; }  // the last update's epoch; 0 before any
  const std::vector<LayerHistory>& layers() const { return layers_; }

  // {"epoch": E, "layers": [{"name": ..., "died_at": [...], "revivals": [...]}, ...]}
  nlohmann::json to_json() const;
  // Inverse of to_json(); throws std::runtime_error naming `origin` and the field at fault.
  static UnitHistory from_json(const nlohmann::json& j, const std::string& origin);

 private:
  int64_t epoch_ = 0;
  std::vector<LayerHistory> layers_;
};

// Per layer {"name", "died_this_epoch", "revived_this_epoch"} (unit indices).
nlohmann::json to_json(const std::vector<LayerTransitions>& changes);

// "+3 died, 1 revived" over all layers; empty when nothing changed.
std::string transitions_summary(const std::vector<LayerTransitions>& changes);

}  // namespace relunet
