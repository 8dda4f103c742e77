// progress.hpp — a one-line progress indicator with rate and ETA on stderr, shown only when
// stderr is a terminal (logs and pipes stay clean).
#pragma once

#include <chrono>
#include <string>

namespace relunet {

class Progress {
 public:
  Progress(std::string label, int64_t total);
  ~Progress();
  // Whether update(done, ...) would redraw now (shown, and 1/4 s since the last redraw or the
  // end): lets the caller skip building the detail text, so the hot loop allocates nothing.
  bool due(int64_t done) const;
  // `done` units of `total`; `detail` is appended (e.g. the running loss).
  void update(int64_t done, const std::string& detail = "");
  void finish();  // erases the line

 private:
  std::string label_;
  int64_t total_;
  bool enabled_;
  bool shown_ = false;
  std::chrono::steady_clock::time_point start_, last_;
};

}  // namespace relunet
