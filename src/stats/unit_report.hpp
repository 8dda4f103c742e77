// unit_report.hpp — per-layer dead-unit statistics derived from UnitCounters.
//
// A unit is one output channel of a convolution's activation or one neuron of a fully
// connected layer's activation. It is active on an image when its pre-activation is > 0 at any
// spatial position. Dead: active on no image of the evaluated set. Nearly dead: active on fewer
// than a threshold fraction of the images. Always active: pre-activation > 0 at every position of
// every image. For Leaky ReLU and ELU, whose gradient never vanishes, the same "dead" count is
// called negative-regime.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "stats/unit_counters.hpp"

namespace relunet {

struct LayerUnitReport {
  std::string layer;       // the conv/fc layer whose units these are ("conv2")
  std::string activation;  // "relu", "leaky-relu:0.01", ...
  bool can_die = true;     // false for Leaky ReLU and ELU: "dead" means negative-regime
  int64_t units = 0, images = 0;
  int64_t dead = 0, near_dead = 0, always_active = 0;
  double sparsity = 0, mean = 0, max = 0, saturated = 0;  // fractions of outputs; mean value
  std::vector<int64_t> dead_units;
  std::vector<double> frequency;  // per unit: fraction of images on which it was active
};

LayerUnitReport summarize_units(const std::string& layer, const Activation& act,
                                const UnitCounters& counters, double near_dead_fraction);

nlohmann::json to_json(const LayerUnitReport& report);

// "dead 37/1728 units (conv2 21/192)": the total and the layer with the largest dead fraction.
std::string dead_units_summary(const std::vector<LayerUnitReport>& reports);

}  // namespace relunet
