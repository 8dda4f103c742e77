// network_state.hpp — moves parameters and optimiser state between a Network (oneDNN layouts)
// and checkpoint tensors (plain layouts), checking that names and shapes match the model.
#pragma once

#include <string>
#include <vector>

#include "io/checkpoint.hpp"
#include "net/network.hpp"
#include "optim/sgd.hpp"

namespace relunet {

std::vector<NamedTensor> export_params(Network& net);
// Throws std::runtime_error naming `origin` and the first tensor that is missing, extra, or
// has other dims than this model's. The parameters of layer `skipped_layer`, if named, are left as
// they are and its tensors ignored (fine-tuning replaces the final layer).
void import_params(Network& net, const std::vector<NamedTensor>& tensors, const std::string& origin,
                   const std::string& skipped_layer = "");

std::vector<NamedTensor> export_optimizer(Sgd& sgd, dnnl::stream& stream);
void import_optimizer(Sgd& sgd, const std::vector<NamedTensor>& tensors, dnnl::stream& stream,
                      const std::string& origin);

}  // namespace relunet
