#include "net/memory_estimate.hpp"

#include <unistd.h>

#include <fstream>
#include <stdexcept>

#include <fmt/format.h>

namespace relunet {
namespace {

double available_bytes() {
  std::ifstream meminfo("/proc/meminfo");
  for (std::string key; meminfo >> key;) {
    double kib = 0;
    meminfo >> kib;
    if (key == "MemAvailable:") return kib * 1024;
    meminfo.ignore(256, '\n');
  }
  return double(sysconf(_SC_PHYS_PAGES)) * double(sysconf(_SC_PAGESIZE));
}

double gib(double bytes) { return bytes / double(1 << 30); }

}  // namespace

MemoryEstimate estimate_memory(const ModelSpec& spec, int64_t batch, bool training) {
  const double copies = training ? 2 : 1;         // output and its gradient
  const double param_copies = training ? 3 : 1;   // value, gradient, momentum
  MemoryEstimate e;
  e.bytes = double(batch) * double(spec.input.size()) * sizeof(float);
  for (const LayerSpec& layer : spec.layers) {
    // Activations run in place; every other layer has an output of its own.
    const double outputs = layer.kind == LayerKind::Activation ? 0 : double(batch) * double(layer.out.size());
    const double bytes = (outputs * copies + double(layer.param_count) * param_copies) * sizeof(float);
    e.bytes += bytes;
    if (bytes > e.largest_layer_bytes) {
      e.largest_layer_bytes = bytes;
      e.largest_layer = layer.name;
    }
  }
  return e;
}

void check_memory(const ModelSpec& spec, int64_t batch, bool training) {
  const MemoryEstimate e = estimate_memory(spec, batch, training);
  const double available = available_bytes();
  if (e.bytes <= available) return;
  throw std::runtime_error(fmt::format(
      "the model {} needs at least {:.1f} GiB for a batch of {} ({}; layer {} alone {:.1f} GiB), more "
      "than the {:.1f} GiB of memory available: use a smaller batch, input or layer",
      spec.name, gib(e.bytes), batch, training ? "training" : "inference", e.largest_layer,
      gib(e.largest_layer_bytes), gib(available)));
}

}  // namespace relunet
