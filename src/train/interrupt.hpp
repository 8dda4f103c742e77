// interrupt.hpp — SIGINT, SIGTERM, SIGHUP (a closed terminal or SSH session) and SIGUSR1 (which
// Open MPI's mpirun passes on to every rank at once, and batch systems send before a time limit)
// during a training run. The first signal only raises a flag the training loop checks at safe points
// (after setup, after each batch, after each epoch); it then saves last.ckpt and train() returns
// TrainStatus::Interrupted. A second SIGINT exits at once. Checkpoints are written atomically, so even that
// never leaves a torn file.
#pragma once

#include <csignal>
#include <stdexcept>
#include <string>

namespace relunet {

// The signals that stop a run.
inline constexpr int kInterruptSignals[] = {SIGINT, SIGTERM, SIGHUP, SIGUSR1};

class InterruptGuard {
 public:
  InterruptGuard();   // installs the handlers
  ~InterruptGuard();  // restores the previous ones
  InterruptGuard(const InterruptGuard&) = delete;
  InterruptGuard& operator=(const InterruptGuard&) = delete;
  int signal_number() const;        // of the first signal received; 0 if none
};

// "SIGINT", "SIGTERM", "SIGHUP" or "SIGUSR1" for those signals' numbers (in a data-parallel run, the
// signal another rank received).
const char* signal_name(int signal_number);

}  // namespace relunet
