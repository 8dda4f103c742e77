// gradient_probe.hpp — gradient-flow statistics of a network as it stands (`relunet inspect
// --gradients`): forward, loss and backward over batches of a split, without updating anything.
#pragma once

#include <cstdint>
#include <vector>

#include "data/batch_loader.hpp"
#include "layers/softmax_cross_entropy.hpp"
#include "net/network.hpp"
#include "train/gradient_flow.hpp"

namespace relunet {

struct GradientProbe {
  int64_t batches = 0, images = 0;
  double loss = 0;  // mean over the images
  std::vector<LayerGradientReport> layers;  // no update ratios: nothing is updated
};

// The first `batches` batches of `loader` (all of them if it has fewer) through `net`, which must
// be a training network, in training mode (dropout on, batch norm with the batch's statistics),
// as the gradients of a training step would be. A short last batch counts its valid images only.
GradientProbe probe_gradients(Network& net, SoftmaxCrossEntropy& loss, BatchLoader& loader, int64_t batches);

}  // namespace relunet
