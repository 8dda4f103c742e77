// fine_tune.hpp — starting a training run from another model's weights (train --init-from): the
// checkpoint's model, its final layer replaced when the new data set has other classes, and
// optionally the layers before a named one frozen.
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
  bool replaced_final = false;  // the final layer starts afresh (other classes)
};

// Loads the checkpoint at `path` and fits its model to the data set's `classes`: the final layer
// is replaced when their number or their names differ from the checkpoint's (a trained head
// scores the checkpoint's classes, in its order), as the log says. Throws, listing the layer
// names, if `freeze_before` is given and names no layer of the model.
Pretrained load_pretrained(const std::string& path, const std::vector<std::string>& classes,
                           const std::string& freeze_before);

// Copies the checkpoint's parameters into `net` (built from p.spec), except the final layer's
// when it was replaced: that layer keeps the values `net` was initialised with.
void apply_pretrained(Network& net, const Pretrained& p);

// The parameters SGD updates: every one, or with `freeze_before` (a layer name) only those of
// that layer and the layers after it (load_pretrained has checked that it exists).
std::vector<Param*> trainable_params(Network& net, const std::string& freeze_before);

}  // namespace relunet
