#include "train/metrics_log.hpp"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <stdexcept>

#include "io/atomic_file.hpp"

namespace relunet {

MetricsLog::MetricsLog(const std::string& path, int64_t keep_epochs) : path_(path) {
  std::string kept;
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);) {
    const auto j = nlohmann::json::parse(line, nullptr, false);
    if (!j.is_discarded() && j.contains("epoch") && j["epoch"].get<int64_t>() <= keep_epochs)
      kept += line + "\n";
  }
  write_file_atomically(path, kept);
  file_ = std::fopen(path.c_str(), "a");
  if (!file_) throw std::runtime_error(path + ": cannot open for writing: " + std::strerror(errno));
}

MetricsLog::~MetricsLog() {
  if (file_) std::fclose(file_);
}

void MetricsLog::append(const nlohmann::json& record) {
  const std::string line = record.dump() + "\n";
  if (std::fwrite(line.data(), 1, line.size(), file_) != line.size() || std::fflush(file_) != 0)
    throw std::runtime_error(path_ + ": write failed: " + std::strerror(errno));
}

}  // namespace relunet
