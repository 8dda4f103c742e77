#include "net/unit_stats.hpp"

namespace relunet {

void enable_unit_stats(Network& net, bool on) {
  for (auto* act : net.activations()) act->enable_unit_stats(on);
}

std::vector<LayerUnitReport> unit_reports(Network& net, double near_dead_fraction) {
  std::vector<LayerUnitReport> reports;
  for (auto* act : net.activations())
    reports.push_back(summarize_units(act->spec().unit_layer, act->spec().act, act->counters(),
                                      near_dead_fraction));
  return reports;
}

}  // namespace relunet
