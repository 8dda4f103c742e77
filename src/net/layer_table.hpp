// layer_table.hpp — the Darknet-style table of a model printed at start-up: one row per layer
// (type, name, kernel, input -> output shape, parameters, multiply-adds per image) and totals.
// Built from the ModelSpec alone, so any command can print it before a network exists.
#pragma once

#include <cstdint>
#include <string>

#include "model/model_spec.hpp"

namespace relunet {

// What the table's "type" column shows: the function for activations ("relu", "elu:1"), the
// model-file type otherwise ("conv").
std::string layer_type(const LayerSpec& layer);

// Sums over the model's layers (shapes must have been inferred).
int64_t total_macs(const ModelSpec& spec);  // forward multiply-adds per image
int64_t total_params(const ModelSpec& spec);

// The table as lines joined by '\n', without a trailing newline.
std::string layer_table(const ModelSpec& spec);

}  // namespace relunet
