#include "stats/unit_table.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace relunet {
namespace {

// A table cell as the text table and the CSV file spell it.
struct Cell {
  std::string table, csv;
};

std::string printf_string(const char* format, double value) {
  char buf[64];
  std::snprintf(buf, sizeof buf, format, value);
  return buf;
}

std::string csv_quoted(const std::string& s) {
  if (s.find_first_of(",\"\n") == std::string::npos) return s;
  std::string q = "\"";
  for (char c : s) q += c == '"' ? std::string("\"\"") : std::string(1, c);
  return q + "\"";
}

Cell text(const std::string& s) { return {s, csv_quoted(s)}; }
Cell count(int64_t n) { return {std::to_string(n), std::to_string(n)}; }
Cell fraction(double f) { return {printf_string("%.2f%%", 100.0 * f), printf_string("%.6g", f)}; }
Cell real(double v) { return {printf_string("%.4g", v), printf_string("%.6g", v)}; }
Cell missing() { return {"-", ""}; }

constexpr size_t kTextColumns = 2;  // layer and activation: left-aligned, the numbers right-aligned
const std::vector<std::string> kTableHeaders = {
    "layer",         "activation", "units", "dead", "neg-regime", "near-dead",
    "always-active", "sparsity",   "mean",  "max",  "saturated"};
const std::vector<std::string> kCsvHeaders = {
    "layer",         "activation", "units", "dead", "negative_regime", "near_dead",
    "always_active", "sparsity",   "mean",  "max",  "saturated"};

std::vector<Cell> row(const LayerUnitReport& r) {
  const ActivationFn fn = parse_activation(r.activation).fn;
  const bool saturates = fn == ActivationFn::Tanh || fn == ActivationFn::Sigmoid;
  return {text(r.layer),
          text(r.activation),
          count(r.units),
          r.can_die ? count(r.dead) : missing(),
          r.can_die ? missing() : count(r.dead),
          count(r.near_dead),
          count(r.always_active),
          fraction(r.sparsity),
          real(r.mean),
          real(r.max),
          saturates ? fraction(r.saturated) : missing()};
}

}  // namespace

std::string unit_table(const std::vector<LayerUnitReport>& reports) {
  std::vector<std::vector<Cell>> rows;
  for (const auto& r : reports) rows.push_back(row(r));
  std::vector<size_t> width;
  for (const auto& h : kTableHeaders) width.push_back(h.size());
  for (const auto& cells : rows)
    for (size_t c = 0; c < cells.size(); ++c) width[c] = std::max(width[c], cells[c].table.size());
  const auto line = [&](const std::vector<std::string>& cells) {
    std::string s;
    for (size_t c = 0; c < cells.size(); ++c) {
      const std::string pad(width[c] - cells[c].size(), ' ');
      if (c > 0) s += "  ";
      s += c < kTextColumns ? cells[c] + pad : pad + cells[c];
    }
    return s.substr(0, s.find_last_not_of(' ') + 1) + "\n";
  };
  std::string out = line(kTableHeaders);
  for (const auto& cells : rows) {
    std::vector<std::string> texts;
    for (const auto& cell : cells) texts.push_back(cell.table);
    out += line(texts);
  }
  return out;
}

std::string unit_table_csv(const std::vector<LayerUnitReport>& reports) {
  const auto line = [](const std::vector<std::string>& cells) {
    std::string s;
    for (size_t c = 0; c < cells.size(); ++c) s += (c > 0 ? "," : "") + cells[c];
    return s + "\n";
  };
  std::string out = line(kCsvHeaders);
  for (const auto& r : reports) {
    std::vector<std::string> cells;
    for (const auto& cell : row(r)) cells.push_back(cell.csv);
    out += line(cells);
  }
  return out;
}

std::string unit_listing(const LayerUnitReport& r, double near_dead_fraction) {
  std::string out = "unit  active-on  frequency  state\n";
  size_t dead = 0, always = 0;  // cursors into the ascending index lists
  for (int64_t u = 0; u < r.units; ++u) {
    const double f = r.frequency[u];
    const auto images = static_cast<long long>(std::llround(f * double(r.images)));
    std::string state;
    if (dead < r.dead_units.size() && r.dead_units[dead] == u) {
      state = r.can_die ? "dead" : "negative-regime";
      ++dead;
    } else if (f < near_dead_fraction) {
      state = "nearly dead";
    } else if (always < r.always_active_units.size() && r.always_active_units[always] == u) {
      state = "always active";
      ++always;
    }
    char buf[64];
    std::snprintf(buf, sizeof buf, "%4lld  %9lld  %8.2f%%", static_cast<long long>(u), images,
                  100.0 * f);
    out += buf + (state.empty() ? "" : "  " + state) + "\n";
  }
  return out;
}

}  // namespace relunet
