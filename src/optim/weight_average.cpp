#include "optim/weight_average.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <utility>

#include "core/memory.hpp"

namespace relunet {
namespace {

int64_t elements(const Param* p) { return static_cast<int64_t>(elements_of(p->value.get_desc())); }

}  // namespace

WeightAverage::WeightAverage(std::vector<Param*> params, AverageOptions opts)
    : params_(std::move(params)), opts_(opts) {
  if (opts_.kind == AverageKind::None) return;
  if (opts_.every < 1) throw std::invalid_argument("the weight average needs every >= 1 step");
  for (Param* p : params_) buffers_.emplace_back(p->value.get_desc(), p->value.get_engine());
}

void WeightAverage::after_step(int64_t step, int64_t epoch, int64_t total_steps) {
  if (opts_.kind == AverageKind::None || epoch < opts_.start_epoch || step % opts_.every != 0)
    return;
  if (!active_) {  // the first update starts the average at the current weights
    for (size_t k = 0; k < params_.size(); ++k)
      std::copy_n(data_of(params_[k]->value), elements(params_[k]), data_of(buffers_[k]));
    active_ = true;
    return;
  }
  const double progress = std::min(1.0, double(step) / double(std::max<int64_t>(total_steps, 1)));
  const float rho = float(std::pow(double(opts_.decay), double(opts_.every)) *
                          std::pow(progress, double(opts_.ramp)));
  const bool copy_back = opts_.kind == AverageKind::Lookahead;
  for (size_t k = 0; k < params_.size(); ++k) {
    float* w = data_of(params_[k]->value);
    float* a = data_of(buffers_[k]);
    const int64_t n = elements(params_[k]);
#pragma omp parallel for simd schedule(static)
    for (int64_t i = 0; i < n; ++i) {
      a[i] = rho * a[i] + (1.f - rho) * w[i];
      if (copy_back) w[i] = a[i];
    }
  }
}

void WeightAverage::end_epoch() {
  if (opts_.kind != AverageKind::Lookahead || !active_) return;
  for (size_t k = 0; k < params_.size(); ++k)
    std::copy_n(data_of(buffers_[k]), elements(params_[k]), data_of(params_[k]->value));
}

void WeightAverage::swap() {
  if (!active_) return;
  for (size_t k = 0; k < params_.size(); ++k) {
    float* w = data_of(params_[k]->value);
    float* a = data_of(buffers_[k]);
    const int64_t n = elements(params_[k]);
#pragma omp parallel for simd schedule(static)
    for (int64_t i = 0; i < n; ++i) std::swap(w[i], a[i]);
  }
}

void WeightAverage::restore_swapped() {
  if (opts_.kind == AverageKind::None)
    throw std::logic_error("restore_swapped() on a run without a weight average");
  active_ = true;
  swap();
}

AverageKind parse_average_kind(const std::string& text) {
  if (text == "none") return AverageKind::None;
  if (text == "ema") return AverageKind::Ema;
  if (text == "lookahead") return AverageKind::Lookahead;
  throw std::invalid_argument("unknown weight average '" + text + "' (use none, ema or lookahead)");
}

std::string to_string(AverageKind kind) {
  switch (kind) {
    case AverageKind::None: return "none";
    case AverageKind::Ema: return "ema";
    case AverageKind::Lookahead: return "lookahead";
  }
  return "?";
}

}  // namespace relunet
