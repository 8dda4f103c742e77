#include "train/interrupt.hpp"

#include <signal.h>
#include <unistd.h>

#include <atomic>

namespace relunet {
namespace {

std::atomic<int> first_signal{0};
struct sigaction previous_int, previous_term;

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
  sigaction(SIGINT, &action, &previous_int);
  sigaction(SIGTERM, &action, &previous_term);
}

InterruptGuard::~InterruptGuard() {
  sigaction(SIGINT, &previous_int, nullptr);
  sigaction(SIGTERM, &previous_term, nullptr);
}

bool InterruptGuard::requested() const { return first_signal != 0; }

const char* InterruptGuard::signal_name() const { return first_signal == SIGTERM ? "SIGTERM" : "SIGINT"; }

}  // namespace relunet
