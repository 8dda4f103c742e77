#include "train/metrics_log.hpp"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <limits>
#include <sstream>
#include <stdexcept>

#include "io/atomic_file.hpp"
#include "io/json_text.hpp"
#include "io/regular_file.hpp"

namespace relunet {
namespace {

constexpr size_t kMaxLineBytes = 16u << 20;
constexpr uint64_t kMaxMetricsBytes = uint64_t(1) << 30;  // ~100,000 epochs' records

// The epoch a metrics line records; a line that is not a record (a torn last line after a
// crash, or anything else) gives one past every epoch, so it is dropped.
int64_t epoch_of(const std::string& line) {
  try {
    const nlohmann::json j = parse_json(line, kMaxLineBytes);
    if (j.is_object() && j.contains("epoch") && j["epoch"].is_number_integer()) return j["epoch"];
  } catch (const std::runtime_error&) {
  }
  return INT64_MAX;
}

std::string read_metrics(const std::string& path) {
  try {
    return read_regular_file(path, kMaxMetricsBytes);
  } catch (const std::runtime_error& e) {
    throw std::runtime_error(path + ": " + e.what());
  }
}

}  // namespace

MetricsLog::MetricsLog(const std::string& path, int64_t keep_epochs) : path_(path) {
  std::string kept;
  std::error_code absent;
  std::istringstream in(std::filesystem::exists(path, absent) ? read_metrics(path) : "");
  for (std::string line; std::getline(in, line);) {
    if (epoch_of(line) <= keep_epochs) kept += line + "\n";
  }
  write_file_atomically(path, kept);
  file_ = std::fopen(path.c_str(), "a");
  if (!file_) throw std::runtime_error(path + ": cannot open for writing: " + std::strerror(errno));
}

MetricsLog::~MetricsLog() {
  if (file_) std::fclose(file_);
}

void MetricsLog::append(const nlohmann::json& record) {
  const std::string line = json_line(record) + "\n";
  if (std::fwrite(line.data(), 1, line.size(), file_) != line.size() || std::fflush(file_) != 0)
    throw std::runtime_error(path_ + ": write failed: " + std::strerror(errno));
}

}  // namespace relunet
