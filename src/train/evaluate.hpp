// evaluate.hpp — a full pass over a data split in inference mode: loss, accuracy, confusion
// matrix and, optionally, exact unit statistics over every image of the split.
#pragma once

#include <optional>
#include <vector>

#include "data/batch_loader.hpp"
#include "dist/communicator.hpp"
#include "layers/softmax_cross_entropy.hpp"
#include "net/network.hpp"
#include "net/tta.hpp"
#include "net/unit_stats.hpp"

namespace relunet {

struct EvalResult {
  int64_t images = 0;
  double loss = 0.0;      // mean
  double accuracy = 0.0;  // 0-1
  std::vector<std::vector<int64_t>> confusion;  // [true class][predicted class]
  // Per true class; none for a class without images in the split (0% would read as all wrong).
  std::vector<std::optional<double>> per_class_accuracy() const;
};

// Runs every batch of `loader` (epoch 0, in order), with test-time augmentation `tta`. With
// `unit_stats`, the network's activation counters are reset first and hold the split's
// statistics afterwards (of the images themselves, not of the augmented views).
EvalResult evaluate(Network& net, SoftmaxCrossEntropy& loss, BatchLoader& loader, bool unit_stats,
                    const std::string& progress_label, TtaMode tta = TtaMode::None);

// A sharded split (each rank evaluated its own part): `r` becomes the result over every rank's
// images.
void sum_over_ranks(EvalResult& r, Communicator& comm);

}  // namespace relunet
