#include "optim/lr_schedule.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace relunet {

LrSchedule::LrSchedule(ScheduleOptions opts, int64_t total_steps, int64_t steps_per_epoch)
    : opts_(opts), total_(std::max<int64_t>(total_steps, 1)), per_epoch_(std::max<int64_t>(steps_per_epoch, 1)) {
  if (opts_.warmup < 0)
    opts_.warmup = opts_.kind == ScheduleKind::OneCycle || opts_.kind == ScheduleKind::Triangle ? 0.3f : 0.f;
}

float LrSchedule::at(int64_t step) const {
  const float lr = opts_.lr;
  const double t = std::min(1.0, double(step) / double(total_));
  const double warm = opts_.warmup;
  auto anneal = [&](double from, double to) {  // cosine from `from` to `to` after the warm-up
    const double u = warm >= 1.0 ? 1.0 : (t - warm) / (1.0 - warm);
    return float(to + 0.5 * (from - to) * (1.0 + std::cos(M_PI * u)));
  };
  switch (opts_.kind) {
    case ScheduleKind::Constant: return lr;
    case ScheduleKind::Step:
      return lr * std::pow(opts_.gamma, float(step / per_epoch_ / std::max<int64_t>(opts_.step_epochs, 1)));
    case ScheduleKind::Cosine:
      if (t < warm) return float(lr * t / warm);
      return anneal(lr, lr * opts_.final);
    case ScheduleKind::OneCycle:
    case ScheduleKind::Triangle: {
      const double start = lr / opts_.div;
      if (t < warm) return float(start + (lr - start) * t / warm);
      if (opts_.kind == ScheduleKind::OneCycle) return anneal(lr, lr * opts_.final);
      const double u = warm >= 1.0 ? 1.0 : (t - warm) / (1.0 - warm);
      return float(lr + (lr * opts_.final - lr) * u);
    }
  }
  throw std::logic_error("unknown schedule");
}

ScheduleKind parse_schedule(const std::string& text) {
  if (text == "constant") return ScheduleKind::Constant;
  if (text == "step") return ScheduleKind::Step;
  if (text == "cosine") return ScheduleKind::Cosine;
  if (text == "one-cycle" || text == "onecycle") return ScheduleKind::OneCycle;
  if (text == "triangle") return ScheduleKind::Triangle;
  throw std::invalid_argument("unknown schedule '" + text +
                              "' (use constant, step, cosine, one-cycle or triangle)");
}

std::string to_string(ScheduleKind kind) {
  switch (kind) {
    case ScheduleKind::Constant: return "constant";
    case ScheduleKind::Step: return "step";
    case ScheduleKind::Cosine: return "cosine";
    case ScheduleKind::OneCycle: return "one-cycle";
    case ScheduleKind::Triangle: return "triangle";
  }
  return "?";
}

}  // namespace relunet
