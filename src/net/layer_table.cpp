#include "net/layer_table.hpp"

#include <algorithm>
#include <cstdio>
#include <vector>

#include "layers/layer_kind.hpp"

namespace relunet {
namespace {

std::string shape_text(const Shape& s) {
  if (s.h == 1 && s.w == 1) return std::to_string(s.c);
  return std::to_string(s.c) + "x" + std::to_string(s.h) + "x" + std::to_string(s.w);
}

std::string kernel_text(const LayerSpec& layer) {
  const auto window = layer_kind(layer.kind).window;
  return window ? window(layer) : "";
}

// 1234567 -> "1,234,567"
std::string grouped(int64_t v) {
  std::string digits = std::to_string(v), out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

// 652300000 -> "652.30M"
std::string si_text(double v) {
  const char* suffix = "";
  for (const char* s : {"K", "M", "G"}) {
    if (v < 1000) break;
    v /= 1000;
    suffix = s;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, *suffix ? "%.2f%s" : "%.0f%s", v, suffix);
  return buf;
}

}  // namespace

std::string layer_type(const LayerSpec& layer) {
  return layer.kind == LayerKind::Activation ? to_string(layer.act) : to_string(layer.kind);
}

int64_t total_macs(const ModelSpec& spec) {
  int64_t sum = 0;
  for (const auto& layer : spec.layers) sum += layer.macs;
  return sum;
}

int64_t total_params(const ModelSpec& spec) {
  int64_t sum = 0;
  for (const auto& layer : spec.layers) sum += layer.param_count;
  return sum;
}

std::string layer_table(const ModelSpec& spec) {
  struct Row {
    std::string index, type, name, kernel, in, out, params, macs;
  };
  std::vector<Row> rows = {{"#", "type", "name", "kernel", "input", "output", "params", "MACs"}};
  for (size_t i = 0; i < spec.layers.size(); ++i) {
    const LayerSpec& l = spec.layers[i];
    rows.push_back({std::to_string(i + 1), layer_type(l), l.name, kernel_text(l), shape_text(l.in),
                    shape_text(l.out), grouped(l.param_count), si_text(double(l.macs))});
  }
  std::vector<size_t> width(8, 0);
  for (const Row& r : rows) {
    const std::string* cells[] = {&r.index, &r.type, &r.name, &r.kernel, &r.in, &r.out, &r.params, &r.macs};
    for (size_t c = 0; c < 8; ++c) width[c] = std::max(width[c], cells[c]->size());
  }
  // Text columns left-aligned, numbers right-aligned; no fixed buffer, so long names never truncate.
  const auto pad = [](const std::string& text, size_t w, bool left) {
    const std::string fill(w - text.size(), ' ');
    return left ? text + fill : fill + text;
  };
  std::string table;
  for (const Row& r : rows)
    table += pad(r.index, width[0], false) + "  " + pad(r.type, width[1], true) + "  " +
             pad(r.name, width[2], true) + "  " + pad(r.kernel, width[3], true) + "  " +
             pad(r.in, width[4], false) + " -> " + pad(r.out, width[5], true) + "  " +
             pad(r.params, width[6], false) + "  " + pad(r.macs, width[7], false) + "\n";
  char line[256];
  const int64_t macs = total_macs(spec), params = total_params(spec);
  std::snprintf(line, sizeof line,
                "total: %s parameters (%.1f MB as fp32), %s multiply-adds per image "
                "(%.3f GFLOP forward)",
                grouped(params).c_str(), double(params) * 4 / (1 << 20), si_text(double(macs)).c_str(),
                2e-9 * double(macs));
  return table + line;
}

}  // namespace relunet
