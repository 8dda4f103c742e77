// interrupt.hpp — SIGINT/SIGTERM handling for long runs. The first signal only raises a flag
// the training loop checks after each batch (it then saves and stops); a second SIGINT exits at
// once. Checkpoints are written atomically, so even that never leaves a torn file.
#pragma once

namespace relunet {

class InterruptGuard {
 public:
  InterruptGuard();   // installs the handlers
  ~InterruptGuard();  // restores the previous ones
  InterruptGuard(const InterruptGuard&) = delete;
  InterruptGuard& operator=(const InterruptGuard&) = delete;
  bool requested() const;
  const char* signal_name() const;  // of the first signal received
};

}  // namespace relunet
