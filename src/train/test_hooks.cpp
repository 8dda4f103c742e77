#include "train/test_hooks.hpp"

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <string>

#include <fmt/format.h>

namespace relunet {

TestSlowdown test_slowdown() {
  TestSlowdown slowdown;
  if (const char* env = std::getenv("RELUNET_TEST_SLOWDOWN_EPOCH")) {
    char* rest = nullptr;
    slowdown.epoch = std::strtoll(env, &rest, 10);
    if (*rest == ':') slowdown.min_step_seconds = std::strtod(rest + 1, nullptr);
  }
  if (const char* env = std::getenv("RELUNET_TEST_SLOW_VALIDATION")) {
    char* rest = nullptr;
    slowdown.validation_epoch = std::strtoll(env, &rest, 10);
    if (*rest == ':') slowdown.validation_seconds = std::strtod(rest + 1, nullptr);
  }
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
