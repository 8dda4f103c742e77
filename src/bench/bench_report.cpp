#include "bench/bench_report.hpp"

#include <algorithm>
#include <cstdio>

namespace relunet {
namespace {

double percent_of(double part, double whole) { return whole > 0 ? 100.0 * part / whole : 0.0; }

template <class... Args>
std::string format(const char* fmt, Args... args) {
  const int size = std::snprintf(nullptr, 0, fmt, args...);
  std::string text(size_t(size) + 1, '\0');
  std::snprintf(text.data(), text.size(), fmt, args...);
  text.pop_back();
  return text;
}

std::string layers_table(const LayerBreakdown& b) {
  size_t name_width = 5, type_width = 4, impl_width = 14;  // "total", "type", "oneDNN forward"
  for (const auto& l : b.layers) {
    name_width = std::max(name_width, l.name.size());
    type_width = std::max(type_width, l.type.size());
    impl_width = std::max(impl_width, l.implementation.size());
  }
  const int nw = int(name_width), tw = int(type_width), iw = int(impl_width);
  const double total = b.total_ms();
  const auto row = [&](const std::string& name, const std::string& type, const std::string& impl,
                       double fwd, double bwd) {
    return format("%-*s  %-*s  %-*s  %10.3f  %11.3f  %6.1f%%\n", nw, name.c_str(), tw, type.c_str(),
                  iw, impl.c_str(), fwd, bwd, percent_of(fwd + bwd, total));
  };
  std::string text = format("%-*s  %-*s  %-*s  %10s  %11s  %7s\n", nw, "layer", tw, "type", iw,
                            "oneDNN forward", "forward ms", "backward ms", "share");
  double forward = 0, backward = 0;
  for (const auto& l : b.layers) {
    text += row(l.name, l.type, l.implementation.empty() ? "-" : l.implementation, l.forward_ms,
                l.backward_ms);
    forward += l.forward_ms;
    backward += l.backward_ms;
  }
  text += row("loss", "", "", b.loss_ms, 0.0);  // forward and backward together
  text += row("update", "sgd", "", 0.0, b.update_ms);
  text += row("total", "", "", forward + b.loss_ms, backward + b.update_ms);
  return text;
}

}  // namespace

nlohmann::json to_json(const BenchResult& r) {
  nlohmann::json layers = nlohmann::json::array();
  const double total = r.layers.total_ms();
  for (const auto& l : r.layers.layers)
    layers.push_back({{"name", l.name},
                      {"type", l.type},
                      {"implementation", l.implementation},
                      {"forward_ms", l.forward_ms},
                      {"backward_ms", l.backward_ms},
                      {"percent", percent_of(l.forward_ms + l.backward_ms, total)}});
  nlohmann::json j = {{"model", r.model},
                      {"batch", r.batch},
                      {"threads", r.threads},
                      {"macs_per_image", r.macs_per_image},
                      {"parameters", r.parameters},
                      {"train_images_per_second", r.train_images_per_second},
                      {"train_images_per_second_no_unit_stats", r.train_images_per_second_no_unit_stats},
                      {"unit_stats_overhead_percent", r.unit_stats_overhead_percent},
                      {"train_images_per_second_no_gradient_stats", r.train_images_per_second_no_gradient_stats},
                      {"gradient_stats_overhead_percent", r.gradient_stats_overhead_percent},
                      {"train_gflops", r.train_gflops},
                      {"loader_images_per_second", r.loader_images_per_second},
                      {"loader_wait_seconds", r.loader_wait_seconds},
                      {"loader_wait_percent", r.loader_wait_percent},
                      {"infer_batch", r.infer_batch},
                      {"infer_images_per_second", r.infer_images_per_second},
                      {"infer_gflops", r.infer_gflops},
                      {"latency_ms_batch1", r.latency_ms_batch1},
                      {"train_peak_rss_mb", r.train_peak_rss_mb},
                      {"peak_rss_mb", r.peak_rss_mb},
                      {"layers", layers}};
  if (!r.layers.layers.empty()) {
    j["loss_ms"] = r.layers.loss_ms;
    j["update_ms"] = r.layers.update_ms;
  }
  return j;
}

std::string format_report(const BenchResult& r) {
  std::string text = format("%s, batch %lld, %d threads, %.1f M multiply-adds per image\n",
                            r.model.c_str(), static_cast<long long>(r.batch), r.threads,
                            1e-6 * double(r.macs_per_image));
  const auto line = [&](const std::string& what, const std::string& value) {
    text += format("  %-32s %s\n", what.c_str(), value.c_str());
  };
  line("training", format("%9.1f img/s  %7.1f GFLOP/s", r.train_images_per_second, r.train_gflops));
  line("training, unit statistics off", format("%9.1f img/s", r.train_images_per_second_no_unit_stats));
  line("unit statistics overhead", format("%9.1f %%", r.unit_stats_overhead_percent));
  line("training, gradient statistics off", format("%9.1f img/s", r.train_images_per_second_no_gradient_stats));
  line("gradient statistics overhead", format("%9.1f %%", r.gradient_stats_overhead_percent));
  line("training fed by the batch loader",
       format("%9.1f img/s  (waited for data: %.3f s, %.1f%% of the time)", r.loader_images_per_second,
              r.loader_wait_seconds, r.loader_wait_percent));
  line(format("inference, batch %lld", static_cast<long long>(r.infer_batch)),
       format("%9.1f img/s  %7.1f GFLOP/s", r.infer_images_per_second, r.infer_gflops));
  line("latency, batch 1", format("%9.2f ms", r.latency_ms_batch1));
  line("peak memory", format("%9.0f MB  (training: %.0f MB)", r.peak_rss_mb, r.train_peak_rss_mb));
  if (!r.layers.layers.empty()) text += "\n" + layers_table(r.layers);
  return text;
}

}  // namespace relunet
