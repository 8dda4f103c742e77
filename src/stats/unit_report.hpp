// unit_report.hpp — per-layer dead-unit statistics derived from UnitCounters.
//
// Definitions (README and docs/unit-statistics.md quote them word for word):
// - A unit is one output channel of a convolution's activation, or one neuron of a fully
//   connected layer's activation. A layer's units are reported under the name of the
//   convolution or fully connected layer they belong to ("conv2").
// - The pre-activation is the input of the activation function (after batch norm when the model
//   has it). A unit is active on an image when its pre-activation is > 0 at one or more spatial
//   positions. It is measured on the activation's output as f(x) > f(0) (f(0) is 0, or 0.5 for
//   sigmoid), which for every supported function is x > 0 up to float rounding of f near 0.
// - Frequency of a unit: the fraction of the evaluated images on which it is active.
// - Dead: active on no image of the evaluated set (frequency 0).
// - Nearly dead: frequency < F, a threshold (default 0.01, `--near-dead`); a unit active on
//   exactly the fraction F of the images is not nearly dead. Dead units are also nearly dead.
// - Always active: pre-activation > 0 at every spatial position of every image (the unit
//   behaves linearly on the evaluated set).
// - Sparsity: the fraction of the layer's activation outputs (all units, positions and images)
//   that are exactly 0.
// - Mean and max: the mean and the maximum of those activation outputs.
// - Saturated (tanh and sigmoid only, 0 otherwise): the fraction of activation outputs with
//   |y| > 0.99 for tanh, y < 0.01 or y > 0.99 for sigmoid.
// - Negative-regime: for Leaky ReLU and ELU, whose gradient never vanishes, the "dead" count is
//   reported under this name: units whose pre-activation is <= 0 everywhere on every image.
// - Evaluated set: for validation, test and `relunet inspect`, every image of the split in
//   inference mode with fixed weights. For the training statistics, every image of the epoch's
//   training batches as it went through the forward pass (augmented, dropout on, weights
//   changing between batches; the short last batch is skipped as in training).
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
  std::vector<int64_t> dead_units;           // indices, ascending
  std::vector<int64_t> always_active_units;  // indices, ascending
  std::vector<double> frequency;  // per unit: fraction of images on which it was active
};

LayerUnitReport summarize_units(const std::string& layer, const Activation& act,
                                const UnitCounters& counters, double near_dead_fraction);

nlohmann::json to_json(const LayerUnitReport& report);

// "dead 37/1728 units (conv2 21/192)": the total and the layer with the largest dead fraction;
// "negative-regime ..." when every layer is Leaky ReLU or ELU, "dead or negative-regime ..." when
// some are.
std::string dead_units_summary(const std::vector<LayerUnitReport>& reports);

}  // namespace relunet
