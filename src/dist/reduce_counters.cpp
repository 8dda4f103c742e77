#include "dist/reduce_counters.hpp"

namespace relunet {

void reduce_unit_counters(Communicator& comm, UnitCounters& c) {
  if (comm.size() == 1) return;
  // Every integer in one message: images, outputs, zeros, saturated, then the per-unit counts.
  const size_t units = c.active.size();
  std::vector<int64_t> counts = {c.images, c.outputs, c.zeros, c.saturated};
  counts.insert(counts.end(), c.active.begin(), c.active.end());
  counts.insert(counts.end(), c.always_active.begin(), c.always_active.end());
  comm.allreduce(counts.data(), counts.size(), ReduceOp::Sum);
  c.images = counts[0];
  c.outputs = counts[1];
  c.zeros = counts[2];
  c.saturated = counts[3];
  std::copy(counts.begin() + 4, counts.begin() + 4 + long(units), c.active.begin());
  std::copy(counts.begin() + 4 + long(units), counts.end(), c.always_active.begin());
  c.sum = comm.reduced(c.sum, ReduceOp::Sum);
  c.max = comm.reduced(c.max, ReduceOp::Max);
}

}  // namespace relunet
