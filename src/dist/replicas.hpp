// replicas.hpp — keeping the ranks' copies of the model the same: the same memory layouts, the
// same starting state (rank 0's), and a check that they stay bitwise the same.
#pragma once

#include <cstdint>
#include <vector>

#include <oneapi/dnnl/dnnl.hpp>

#include "dist/communicator.hpp"
#include "layers/layer.hpp"

namespace relunet {

// Throws std::runtime_error when the ranks' parameters differ in layout: gradients are summed as
// raw buffers, which needs every rank to store them alike (oneDNN picks layouts per CPU, so
// machines with different instruction sets may not).
void check_same_layouts(Communicator& comm, const std::vector<Param*>& params);

// Rank 0's contents of every buffer on every rank.
void broadcast_buffers(Communicator& comm, const std::vector<dnnl::memory>& buffers);

// Throws std::runtime_error naming the first rank whose parameter values (trainable or not)
// differ from rank 0's in any bit, after step `step`.
void check_identical_values(Communicator& comm, const std::vector<Param*>& params, int64_t step);

}  // namespace relunet
