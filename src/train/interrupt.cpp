#include "train/interrupt.hpp"

#include <signal.h>
#include <unistd.h>

#include <atomic>

namespace relunet {
namespace {

constexpr int kSignals[] = {SIGINT, SIGTERM, SIGHUP};

std::atomic<int> first_signal{0};
struct sigaction previous[sizeof kSignals / sizeof kSignals[0]];

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
  for (size_t i = 0; i < sizeof kSignals / sizeof kSignals[0]; ++i)
    sigaction(kSignals[i], &action, &previous[i]);
}

InterruptGuard::~InterruptGuard() {
  for (size_t i = 0; i < sizeof kSignals / sizeof kSignals[0]; ++i)
    sigaction(kSignals[i], &previous[i], nullptr);
}

bool InterruptGuard::requested() const { return first_signal != 0; }

int InterruptGuard::signal_number() const { return first_signal; }

const char* InterruptGuard::signal_name() const { return relunet::signal_name(first_signal); }

const char* signal_name(int signal_number) {
  switch (signal_number) {
    case SIGTERM: return "SIGTERM";
    case SIGHUP: return "SIGHUP";
    default: return "SIGINT";
  }
}

}  // namespace relunet
