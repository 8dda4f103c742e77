// lr_schedule.hpp — learning rate as a function of the training step.
//   constant:  lr
//   step:      lr * gamma^floor(epoch / step_epochs)
//   cosine:    linear warm-up over `warmup` of the run, then half a cosine from lr to lr * final
//   one-cycle: linear warm-up from lr / div to lr over `warmup` of the run (default 0.3), then
//              cosine annealing to lr * final (Smith & Topin 2017)
//   triangle:  one-cycle with a linear anneal instead of the cosine (airbench's schedule:
//              lr/5 -> lr at 23% of the run -> 0.07 lr)
#pragma once

#include <cstdint>
#include <string>

namespace relunet {

enum class ScheduleKind { Constant, Step, Cosine, OneCycle, Triangle };

struct ScheduleOptions {
  ScheduleKind kind = ScheduleKind::OneCycle;
  float lr = 0.1f;
  float warmup = -1.f;      // fraction of the run; < 0: the kind's default (0; 0.3 one-cycle, triangle)
  float gamma = 0.1f;       // step
  int64_t step_epochs = 10;  // step
  float div = 25.f;          // one-cycle, triangle: initial lr = lr / div
  float final = 1e-3f;       // final lr = lr * final (cosine, one-cycle, triangle)
};

class LrSchedule {
 public:
  LrSchedule(ScheduleOptions opts, int64_t total_steps, int64_t steps_per_epoch);
  float at(int64_t step) const;
  int64_t total_steps() const { return total_; }

 private:
  ScheduleOptions opts_;
  int64_t total_, per_epoch_;
};

ScheduleKind parse_schedule(const std::string& text);
std::string to_string(ScheduleKind kind);

}  // namespace relunet
