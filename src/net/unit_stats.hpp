// unit_stats.hpp — a network's unit statistics as a whole: switching the counters of every
// activation layer, and one report per layer. Training, evaluation, inspect and bench use them.
#pragma once

#include <vector>

#include "net/network.hpp"
#include "stats/unit_report.hpp"

namespace relunet {

// Unit statistics on/off for every activation layer (counters reset either way).
void enable_unit_stats(Network& net, bool on);
// One report per activation layer, from its current counters.
std::vector<LayerUnitReport> unit_reports(Network& net, double near_dead_fraction);

}  // namespace relunet
