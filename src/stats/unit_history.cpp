#include "stats/unit_history.hpp"

#include "io/json_text.hpp"

#include <algorithm>
#include <stdexcept>

namespace relunet {
namespace {

const nlohmann::json& field(const nlohmann::json& object, const std::string& key,
                            const std::string& where) {
  if (!object.is_object() || !object.contains(key))
    throw std::runtime_error(where + ": missing field \"" + key + "\"");
  return object[key];
}

int64_t integer_in(const nlohmann::json& v, int64_t lo, int64_t hi, const std::string& where) {
  if (!v.is_number_integer() || v.get<int64_t>() < lo || v.get<int64_t>() > hi)
    throw std::runtime_error(where + ": expected an integer from " + std::to_string(lo) + " to " +
                             std::to_string(hi) + ", got " + json_excerpt(v));
  return v.get<int64_t>();
}

std::vector<int64_t> integers_in(const nlohmann::json& v, int64_t lo, int64_t hi,
                                 const std::string& where) {
  if (!v.is_array()) throw std::runtime_error(where + ": expected an array, got " + json_excerpt(v));
  std::vector<int64_t> out;
  out.reserve(v.size());
  for (size_t i = 0; i < v.size(); ++i)
    out.push_back(integer_in(v[i], lo, hi, where + "[" + std::to_string(i) + "]"));
  return out;
}

}  // namespace

std::vector<LayerTransitions> UnitHistory::update(int64_t epoch,
                                                  const std::vector<LayerUnitReport>& reports) {
  if (epoch <= epoch_)
    throw std::logic_error("unit history: epoch " + std::to_string(epoch) +
                           " does not follow epoch " + std::to_string(epoch_));
  if (layers_.empty())
    for (const auto& r : reports)
      layers_.push_back({r.layer, std::vector<int64_t>(r.units, -1), std::vector<int64_t>(r.units, 0)});
  if (reports.size() != layers_.size())
    throw std::logic_error("unit history: " + std::to_string(reports.size()) +
                           " layer reports for " + std::to_string(layers_.size()) + " layers");
  std::vector<LayerTransitions> changes;
  for (size_t l = 0; l < reports.size(); ++l) {
    const LayerUnitReport& r = reports[l];
    LayerHistory& h = layers_[l];
    if (r.layer != h.layer || static_cast<size_t>(r.units) != h.died_at.size())
      throw std::logic_error("unit history: report " + r.layer + " (" + std::to_string(r.units) +
                             " units) does not match layer " + h.layer + " (" +
                             std::to_string(h.died_at.size()) + " units)");
    LayerTransitions t{r.layer, {}, {}};
    std::vector<bool> dead(h.died_at.size(), false);
    for (int64_t u : r.dead_units) dead.at(u) = true;
    for (size_t u = 0; u < dead.size(); ++u) {
      const bool was_dead = h.died_at[u] >= 0;
      if (dead[u] && !was_dead) {
        h.died_at[u] = epoch;
        t.died.push_back(static_cast<int64_t>(u));
      } else if (!dead[u] && was_dead) {
        h.died_at[u] = -1;
        ++h.revivals[u];
        t.revived.push_back(static_cast<int64_t>(u));
      }
    }
    changes.push_back(std::move(t));
  }
  epoch_ = epoch;
  return changes;
}

nlohmann::json UnitHistory::to_json() const {
  nlohmann::json layers = nlohmann::json::array();
  for (const auto& h : layers_)
    layers.push_back({{"name", h.layer}, {"died_at", h.died_at}, {"revivals", h.revivals}});
  return {{"epoch", epoch_}, {"layers", layers}};
}

UnitHistory UnitHistory::from_json(const nlohmann::json& j, const std::string& origin) {
  const std::string where = origin + ": unit history";
  UnitHistory h;
  h.epoch_ = integer_in(field(j, "epoch", where), 0, INT32_MAX, where + ": \"epoch\"");
  const auto& layers = field(j, "layers", where);
  if (!layers.is_array()) throw std::runtime_error(where + ": \"layers\" is not an array");
  for (size_t l = 0; l < layers.size(); ++l) {
    const std::string at = where + ": layer " + std::to_string(l);
    const auto& name = field(layers[l], "name", at);
    if (!name.is_string()) throw std::runtime_error(at + ": \"name\" is not a string");
    LayerHistory lh;
    lh.layer = name.get<std::string>();
    lh.died_at = integers_in(field(layers[l], "died_at", at), -1, h.epoch_, at + ": \"died_at\"");
    lh.revivals = integers_in(field(layers[l], "revivals", at), 0, h.epoch_, at + ": \"revivals\"");
    if (lh.died_at.size() != lh.revivals.size())
      throw std::runtime_error(at + " (" + lh.layer + "): \"died_at\" has " +
                               std::to_string(lh.died_at.size()) + " units but \"revivals\" has " +
                               std::to_string(lh.revivals.size()));
    h.layers_.push_back(std::move(lh));
  }
  return h;
}

nlohmann::json to_json(const std::vector<LayerTransitions>& changes) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& t : changes)
    out.push_back({{"name", t.layer}, {"died_this_epoch", t.died}, {"revived_this_epoch", t.revived}});
  return out;
}

std::string transitions_summary(const std::vector<LayerTransitions>& changes) {
  size_t died = 0, revived = 0;
  for (const auto& t : changes) {
    died += t.died.size();
    revived += t.revived.size();
  }
  std::string s;
  if (died > 0) s = "+" + std::to_string(died) + " died";
  if (revived > 0) s += (s.empty() ? "" : ", ") + std::to_string(revived) + " revived";
  return s;
}

}  // namespace relunet
