#include "train/progress.hpp"

#include <unistd.h>

#include <cstdio>

namespace relunet {

Progress::Progress(std::string label, int64_t total)
    : label_(std::move(label)), total_(total), enabled_(isatty(STDERR_FILENO) == 1) {
  start_ = last_ = std::chrono::steady_clock::now();
}

Progress::~Progress() { finish(); }

bool Progress::due(int64_t done) const {
  return enabled_ &&
         (done >= total_ || std::chrono::steady_clock::now() - last_ >= std::chrono::milliseconds(250));
}

void Progress::update(int64_t done, const std::string& detail) {
  if (!due(done)) return;
  const auto now = std::chrono::steady_clock::now();
  last_ = now;
  const double elapsed = std::chrono::duration<double>(now - start_).count();
  const double eta = done > 0 ? elapsed * double(total_ - done) / double(done) : 0.0;
  std::fprintf(stderr, "\r\033[K%s %lld/%lld [%3.0f%%] %s ETA %dm%02ds", label_.c_str(),
               static_cast<long long>(done), static_cast<long long>(total_),
               total_ ? 100.0 * double(done) / double(total_) : 100.0, detail.c_str(),
               static_cast<int>(eta) / 60, static_cast<int>(eta) % 60);
  std::fflush(stderr);
  shown_ = true;
}

void Progress::finish() {
  if (!shown_) return;
  std::fprintf(stderr, "\r\033[K");
  std::fflush(stderr);
  shown_ = false;
}

}  // namespace relunet
