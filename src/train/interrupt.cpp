#include "train/interrupt.hpp"

#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <iterator>

namespace relunet {
namespace {

std::atomic<int> first_signal{0};
struct sigaction previous[std::size(kInterruptSignals)];

extern "C" void on_signal(int sig) {
  int none = 0;
  if (!first_signal.compare_exchange_strong(none, sig) && sig == SIGINT) _exit(128 + SIGINT);
}

}  // namespace

InterruptGuard::InterruptGuard() {
  first_signal = 0;
  struct sigaction action {};
  action.sa_handler = on_signal;
  sigemptyset(&action.sa_mask);
  for (size_t i = 0; i < std::size(kInterruptSignals); ++i)
    sigaction(kInterruptSignals[i], &action, &previous[i]);
}

InterruptGuard::~InterruptGuard() {
  for (size_t i = 0; i < std::size(kInterruptSignals); ++i)
    sigaction(kInterruptSignals[i], &previous[i], nullptr);
}

int InterruptGuard::signal_number() const { return first_signal; }

const char* signal_name(int signal_number) {
  switch (signal_number) {
    case SIGTERM: return "SIGTERM";
    case SIGHUP: return "SIGHUP";
    case SIGUSR1: return "SIGUSR1";
    default: return "SIGINT";
  }
}

}  // namespace relunet
