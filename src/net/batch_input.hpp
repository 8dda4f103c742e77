// batch_input.hpp — the one place a batch of data enters a network (training, validation,
// eval, inspect, bench). A model whose input shape differs from the data's, or a label outside
// the model's classes, would otherwise read past a buffer or index the loss and the confusion
// matrix out of bounds.
#pragma once

#include "data/batch_loader.hpp"
#include "net/network.hpp"

namespace relunet {

// Copies `batch` into net.input() and marks its valid images; throws std::runtime_error when
// its image shape or size is not the network's or a valid image's label is not in
// [0, classes). Labels are checked before anything is copied.
void load_batch(Network& net, const Batch& batch);

}  // namespace relunet
