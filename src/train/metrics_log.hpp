// metrics_log.hpp — RUN_DIR/metrics.jsonl: one JSON object per epoch, appended and flushed as
// each epoch ends, so a crash loses nothing already logged.
#pragma once

#include <cstdio>
#include <string>

#include <nlohmann/json.hpp>

namespace relunet {

class MetricsLog {
 public:
  // Keeps the lines of epochs <= `keep_epochs` already in the file (a resumed run drops lines of
  // epochs it will redo) and appends after them.
  MetricsLog(const std::string& path, int64_t keep_epochs);
  ~MetricsLog();
  MetricsLog(const MetricsLog&) = delete;
  MetricsLog& operator=(const MetricsLog&) = delete;
  void append(const nlohmann::json& record);

 private:
  std::string path_;
  std::FILE* file_ = nullptr;
};

}  // namespace relunet
