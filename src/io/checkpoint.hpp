// checkpoint.hpp — the on-disk checkpoint: a versioned, checksummed binary container.
// It stores plain (layout-free) tensors; the network converts to and from oneDNN layouts.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/normalization.hpp"

namespace relunet {

struct NamedTensor {
  std::string name;
  std::vector<int64_t> dims;  // logical dims, plain row-major (e.g. OIHW for conv weights)
  std::vector<float> data;
};

struct Checkpoint {
  std::string model_json;                // canonical model definition (to_json(ModelSpec))
  Normalization norm;
  std::vector<std::string> class_names;
  std::vector<NamedTensor> params;       // weights, biases, batch-norm scale/shift/running stats
  std::vector<NamedTensor> optimizer;    // momentum buffers; empty in an inference-only file
  std::string train_state_json;          // epoch, step, schedule, options... ("{}" if none)
};

// Writes atomically: a temp file in the same directory, fsync, rename, fsync of the directory.
// A crash at any moment leaves either the old file or the new one, never a torn one.
void save_checkpoint(const Checkpoint& ckpt, const std::string& path);

// Throws std::runtime_error with the path and what is wrong: missing file, wrong magic,
// unsupported version, truncation (naming the section), checksum mismatch, absurd sizes.
// Never allocates more than the file's size.
Checkpoint load_checkpoint(const std::string& path);

// The validating decoder load_checkpoint uses, on a file's bytes already in memory (the fuzz
// target feeds it directly). `origin` names the source in every error message.
Checkpoint parse_checkpoint(std::string_view file, const std::string& origin);

// Whether `bytes` begin as a checkpoint does (its magic bytes), for errors that name what a file
// given in the wrong place is.
bool starts_like_checkpoint(std::string_view bytes);

}  // namespace relunet
