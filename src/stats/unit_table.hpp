// unit_table.hpp — unit reports as a text table, as CSV, and one layer's units one per line
// (what `relunet inspect` prints).
#pragma once

#include <string>
#include <vector>

#include "stats/unit_report.hpp"

namespace relunet {

// One row per layer: layer, activation, units, dead, neg-regime, near-dead, always-active,
// sparsity, mean, max, saturated. A layer fills exactly one of dead (ReLU, tanh, sigmoid) and
// neg-regime (Leaky ReLU, ELU); saturated is filled for tanh and sigmoid only; "-" elsewhere.
// Fractions are printed as percentages.
std::string unit_table(const std::vector<LayerUnitReport>& reports);

// The same rows as CSV with the header
// layer,activation,units,dead,negative_regime,near_dead,always_active,sparsity,mean,max,saturated
// fractions as numbers from 0 to 1 and empty cells where the table prints "-".
std::string unit_table_csv(const std::vector<LayerUnitReport>& reports);

// One line per unit: its index, the number and fraction of images it is active on, and
// "dead" / "negative-regime", "nearly dead" (frequency < near_dead_fraction) or "always active".
std::string unit_listing(const LayerUnitReport& report, double near_dead_fraction);

}  // namespace relunet
