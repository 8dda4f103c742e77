#include "stats/unit_report.hpp"

namespace relunet {

LayerUnitReport summarize_units(const std::string& layer, const Activation& act,
                                const UnitCounters& c, double near_dead_fraction) {
  LayerUnitReport r;
  r.layer = layer;
  r.activation = to_string(act);
  r.can_die = act.fn != ActivationFn::LeakyReLU && act.fn != ActivationFn::ELU;
  r.units = static_cast<int64_t>(c.active.size());
  r.images = c.images;
  for (int64_t u = 0; u < r.units; ++u) {
    const double freq = c.images ? double(c.active[u]) / double(c.images) : 0.0;
    r.frequency.push_back(freq);
    if (c.active[u] == 0) {
      ++r.dead;
      r.dead_units.push_back(u);
    }
    if (freq < near_dead_fraction) ++r.near_dead;
    if (c.images > 0 && c.always_active[u] == c.images) {
      ++r.always_active;
      r.always_active_units.push_back(u);
    }
  }
  if (c.outputs > 0) {
    r.sparsity = double(c.zeros) / double(c.outputs);
    r.saturated = double(c.saturated) / double(c.outputs);
    r.mean = c.sum / double(c.outputs);
    r.max = c.max;
  }
  return r;
}

nlohmann::json to_json(const LayerUnitReport& r) {
  return {{"name", r.layer},
          {"activation", r.activation},
          {"dead_means", r.can_die ? "dead" : "negative-regime"},
          {"units", r.units},
          {"images", r.images},
          {"dead", r.dead},
          {"near_dead", r.near_dead},
          {"always_active", r.always_active},
          {"sparsity", r.sparsity},
          {"saturated", r.saturated},
          {"mean", r.mean},
          {"max", r.max},
          {"dead_units", r.dead_units},
          {"always_active_units", r.always_active_units}};
}

std::string dead_units_summary(const std::vector<LayerUnitReport>& reports) {
  int64_t dead = 0, units = 0;
  size_t can_die = 0;
  const LayerUnitReport* worst = nullptr;
  for (const auto& r : reports) {
    dead += r.dead;
    units += r.units;
    can_die += r.can_die;
    if (!worst || r.dead * worst->units > worst->dead * r.units) worst = &r;
  }
  const char* what = can_die == reports.size() ? "dead"
                     : can_die == 0             ? "negative-regime"
                                                : "dead or negative-regime";
  std::string s = std::string(what) + " " + std::to_string(dead) + "/" + std::to_string(units) + " units";
  if (worst && worst->dead > 0)
    s += " (" + worst->layer + " " + std::to_string(worst->dead) + "/" + std::to_string(worst->units) + ")";
  return s;
}

}  // namespace relunet
