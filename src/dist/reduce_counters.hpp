// reduce_counters.hpp — unit statistics over every rank's images: each rank counts the images
// of its own shard, and the reports are of the whole batch or split.
#pragma once

#include "dist/communicator.hpp"
#include "stats/unit_counters.hpp"

namespace relunet {

// `counters` becomes the merge (UnitCounters::merge) of every rank's counters.
void reduce_unit_counters(Communicator& comm, UnitCounters& counters);

}  // namespace relunet
