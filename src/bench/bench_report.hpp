// bench_report.hpp — a BenchResult as one JSON object (for scripts) or as an aligned text table
// (for people).
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "bench/benchmark.hpp"

namespace relunet {

// Every figure under the names `relunet bench --json` documents; "layers" is an array of
// {name, type, forward_ms, backward_ms, percent}, empty unless the layers were timed.
nlohmann::json to_json(const BenchResult& r);

// The figures, then (when timed) the per-layer breakdown; ends with a newline.
std::string format_report(const BenchResult& r);

}  // namespace relunet
