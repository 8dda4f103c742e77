#include "train/test_hooks.hpp"

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <string>

#include <fmt/format.h>

namespace relunet {

namespace {

// An environment variable of the form N[:S] into (N, S); unset, it leaves both as they are.
void read_epoch_and_seconds(const char* name, int64_t& epoch, double& seconds) {
  const char* env = std::getenv(name);
  if (!env) return;
  char* rest = nullptr;
  epoch = std::strtoll(env, &rest, 10);
  if (*rest == ':') seconds = std::strtod(rest + 1, nullptr);
}

}  // namespace

TestSlowdown test_slowdown() {
  TestSlowdown slowdown;
  read_epoch_and_seconds("RELUNET_TEST_SLOWDOWN_EPOCH", slowdown.epoch, slowdown.min_step_seconds);
  read_epoch_and_seconds("RELUNET_TEST_SLOW_VALIDATION", slowdown.validation_epoch, slowdown.validation_seconds);
  return slowdown;
}

void test_fail_rank(int rank, int64_t step) {
  const char* env = std::getenv("RELUNET_TEST_FAIL_RANK");
  int fail_rank = -1;
  long long fail_step = -1;
  char how[8] = {};
  if (!env || std::sscanf(env, "%d:%lld:%7s", &fail_rank, &fail_step, how) != 3) return;
  if (fail_rank != rank || fail_step != step) return;
  if (std::string(how) == "kill") std::raise(SIGKILL);
  throw std::runtime_error(fmt::format("test hook: rank {} fails at step {}", rank, step));
}

bool test_check_replicas() { return std::getenv("RELUNET_TEST_CHECK_REPLICAS") != nullptr; }

}  // namespace relunet
