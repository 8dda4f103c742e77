// fine_tune.hpp — starting a training run from another model's weights (train --init-from): the
// checkpoint's model, its final layer replaced when the new data set has another number of
// classes, and optionally the layers before a named one frozen.
#pragma once

#include <string>
#include <vector>

#include "io/checkpoint.hpp"
#include "model/model_spec.hpp"
#include "net/network.hpp"

namespace relunet {

struct Pretrained {
  std::string path;
  Checkpoint checkpoint;
  ModelSpec spec;               // the model to train: the checkpoint's, with `classes` outputs
  bool replaced_final = false;  // the final layer starts afresh (another class count)
};

// Loads the checkpoint at `path` and fits its model to `classes` classes, saying in the log
// whether the final layer is replaced. Throws, listing the layer names, if `freeze_before` is
// given and names no layer of the model.
Pretrained load_pretrained(const std::string& path, int64_t classes, const std::string& freeze_before);

// Copies the checkpoint's parameters into `net` (built from p.spec), except the final layer's
// when it was replaced: that layer keeps the values `net` was initialised with.
void apply_pretrained(Network& net, const Pretrained& p);

// The parameters SGD updates: every one, or with `freeze_before` (a layer name) only those of
// that layer and the layers after it (load_pretrained has checked that it exists).
std::vector<Param*> trainable_params(Network& net, const std::string& freeze_before);

}  // namespace relunet
