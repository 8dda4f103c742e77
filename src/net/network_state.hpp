// network_state.hpp — moves parameters and optimiser state between a Network (oneDNN layouts)
// and checkpoint tensors (plain layouts), checking that names and shapes match the model.
#pragma once

#include <string>
#include <vector>

#include "io/checkpoint.hpp"
#include "net/network.hpp"
#include "optim/sgd.hpp"
#include "optim/weight_average.hpp"

namespace relunet {

std::vector<NamedTensor> export_params(Network& net);
// Throws std::runtime_error naming `origin` and the first tensor that is missing, extra, or
// has other dims than this model's.
void import_params(Network& net, const std::vector<NamedTensor>& tensors, const std::string& origin);

std::vector<NamedTensor> export_optimizer(Sgd& sgd, dnnl::stream& stream);
void import_optimizer(Sgd& sgd, const std::vector<NamedTensor>& tensors, dnnl::stream& stream,
                      const std::string& origin);

// With a weight average, a checkpoint's parameters are the averaged weights (what evaluation
// uses) and its optimiser section also holds the live training weights, as "<name>.live".
std::vector<NamedTensor> export_live_weights(Network& net);
// Moves the "<name>.live" tensors out of `optimizer` (the rest is the optimiser's own state).
std::vector<NamedTensor> take_live_weights(std::vector<NamedTensor>& optimizer);
// After import_params() put the averaged weights into the network: restores the live weights
// there and the average into `average`. No tensors: the average had not started yet.
void import_live_weights(WeightAverage& average, const std::vector<NamedTensor>& live,
                         dnnl::stream& stream, const std::string& origin);

}  // namespace relunet
