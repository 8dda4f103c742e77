// evaluate.hpp — a full pass over a data split in inference mode: loss, accuracy, confusion
// matrix and, optionally, exact unit statistics over every image of the split.
#pragma once

#include <vector>

#include "data/batch_loader.hpp"
#include "dist/communicator.hpp"
#include "layers/softmax_cross_entropy.hpp"
#include "net/network.hpp"
#include "stats/unit_report.hpp"
#include "train/tta.hpp"

namespace relunet {

struct EvalResult {
  int64_t images = 0;
  double loss = 0.0;      // mean
  double accuracy = 0.0;  // 0-1
  std::vector<std::vector<int64_t>> confusion;  // [true class][predicted class]
  std::vector<double> per_class_accuracy() const;
};

// Runs every batch of `loader` (epoch 0, in order), with test-time augmentation `tta`. With
// `unit_stats`, the network's activation counters are reset first and hold the split's
// statistics afterwards (of the images themselves, not of the augmented views).
EvalResult evaluate(Network& net, SoftmaxCrossEntropy& loss, BatchLoader& loader, bool unit_stats,
                    const std::string& progress_label, TtaMode tta = TtaMode::None);

// A sharded split (each rank evaluated its own part): `r` becomes the result over every rank's
// images.
void sum_over_ranks(EvalResult& r, Communicator& comm);

// Unit statistics on/off for every activation layer (counters reset either way).
void enable_unit_stats(Network& net, bool on);
// One report per activation layer, from its current counters.
std::vector<LayerUnitReport> unit_reports(Network& net, double near_dead_fraction);

}  // namespace relunet
