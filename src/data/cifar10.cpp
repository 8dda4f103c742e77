// cifar10.cpp — loads and validates the CIFAR-10 binary batches into memory.
#include "data/cifar10.hpp"

#include <cstring>
#include <filesystem>
#include <memory>
#include <sstream>
#include <stdexcept>

#include "io/class_names.hpp"
#include "io/path_status.hpp"
#include "io/regular_file.hpp"

namespace relunet {
namespace fs = std::filesystem;

namespace {

constexpr int kPixelBytes = Cifar10::kRecordBytes - 1;
constexpr uintmax_t kMaxFileBytes =
    uintmax_t{Cifar10::kMaxRecordsPerFile} * Cifar10::kRecordBytes;
constexpr uint64_t kMaxClassNamesBytes = 1u << 20;
const char* const kHowToGetData = "run scripts/get-cifar10.sh or pass --data DIR";

std::vector<std::string> batch_file_names(bool training) {
  if (!training) return {"test_batch.bin"};
  std::vector<std::string> names;
  for (int i = 1; i <= 5; ++i) names.push_back("data_batch_" + std::to_string(i) + ".bin");
  return names;
}

// Opens a file of the data set, naming it in any error.
std::unique_ptr<RegularFile> open_data_file(const fs::path& path, const char* what) {
  try {
    return std::make_unique<RegularFile>(path.string());
  } catch (const std::runtime_error& e) {
    throw std::runtime_error(std::string("CIFAR-10 ") + what + " " + path.string() + ": " + e.what());
  }
}

std::string read_data_file(const fs::path& path, const char* what, uint64_t max_bytes) {
  const auto file = open_data_file(path, what);
  if (file->size() > max_bytes)
    throw std::runtime_error(std::string("CIFAR-10 ") + what + " " + path.string() + " has " +
                             std::to_string(file->size()) + " bytes, more than " + std::to_string(max_bytes));
  std::string bytes(file->size(), '\0');
  file->read(bytes.data(), bytes.size());
  return bytes;
}

// Returns the number of records in the file at `path`: its size must be a whole number of
// records, at least one and at most kMaxRecordsPerFile.
size_t count_records(const fs::path& path, uintmax_t found) {
  const uintmax_t whole = found / Cifar10::kRecordBytes;
  if (found > 0 && found <= kMaxFileBytes && found % Cifar10::kRecordBytes == 0) return whole;
  std::string message = "CIFAR-10 file " + path.string() + " has " + std::to_string(found) +
                        " bytes, expected 1 to " + std::to_string(Cifar10::kMaxRecordsPerFile) +
                        " records of " + std::to_string(Cifar10::kRecordBytes) + " bytes (at most " +
                        std::to_string(kMaxFileBytes) + ")";
  if (found == 0)
    message += ": the file is empty";
  else if (found > kMaxFileBytes)
    message += ": extra bytes after the last record";
  else  // a smaller file cannot tell a cut-off record from bytes appended after the last one
    message += ": truncated, or extra bytes after the last record: record " +
               std::to_string(whole) + " (0-based) has only " +
               std::to_string(found % Cifar10::kRecordBytes) + " bytes";
  throw std::runtime_error(message);
}

// One class name per non-empty line; the standard names when the file is absent.
std::vector<std::string> read_class_names(const fs::path& path) {
  if (!path_exists(path))
    return {"airplane", "automobile", "bird",  "cat",  "deer",
            "dog",      "frog",       "horse", "ship", "truck"};
  std::string text = read_data_file(path, "class names file", kMaxClassNamesBytes);
  if (text.rfind("\xEF\xBB\xBF", 0) == 0) text.erase(0, 3);  // a UTF-8 byte-order mark (Windows editors)
  std::istringstream in(text);
  std::vector<std::string> names;
  std::string line;
  while (std::getline(in, line)) {
    const auto last = line.find_last_not_of(" \t\r");
    if (last != std::string::npos) names.push_back(line.substr(0, last + 1));
  }
  if (names.size() != 10)
    throw std::runtime_error("CIFAR-10 class names file " + path.string() + " lists " +
                             std::to_string(names.size()) + " names, expected 10");
  const std::string problem = class_names_problem(names);
  if (!problem.empty()) throw std::runtime_error("CIFAR-10 class names file " + path.string() + ": " + problem);
  return names;
}

}  // namespace

Cifar10::Cifar10(const std::string& dir, bool training) {
  if (!is_directory_path(dir))
    throw std::runtime_error("CIFAR-10 directory " + dir + " does not exist; " + kHowToGetData);
  classes_ = read_class_names(fs::path(dir) / "batches.meta.txt");
  std::vector<fs::path> paths;
  std::vector<size_t> records_per_file;
  size_t records = 0;
  for (const std::string& name : batch_file_names(training)) {
    paths.push_back(fs::path(dir) / name);
    if (!path_exists(paths.back()))
      throw std::runtime_error("CIFAR-10 file " + paths.back().string() + " is missing; " +
                               kHowToGetData);
    records_per_file.push_back(count_records(paths.back(), open_data_file(paths.back(), "file")->size()));
    records += records_per_file.back();
  }

  labels_.resize(records);
  pixels_.resize(records * kPixelBytes);
  std::vector<uint8_t> bytes;
  size_t record = 0;
  for (size_t f = 0; f < paths.size(); ++f) {
    const fs::path& path = paths[f];
    bytes.resize(records_per_file[f] * kRecordBytes);
    open_data_file(path, "file")->read(bytes.data(), bytes.size());
    for (size_t r = 0; r < records_per_file[f]; ++r, ++record) {
      const uint8_t* src = bytes.data() + r * kRecordBytes;
      if (src[0] > 9)
        throw std::runtime_error("CIFAR-10 file " + path.string() + ": record " +
                                 std::to_string(r) + " (0-based) has label " +
                                 std::to_string(src[0]) + ", expected 0-9");
      labels_[record] = src[0];
      std::memcpy(pixels_.data() + record * kPixelBytes, src + 1, kPixelBytes);
    }
  }
}

cv::Mat Cifar10::image(size_t i) const {
  if (i >= size())
    throw std::out_of_range("CIFAR-10 image index " + std::to_string(i) + " out of range (" +
                            std::to_string(size()) + " images)");
  // The file stores planes (all R, then G, then B); OpenCV wants interleaved pixels.
  constexpr int kPlane = kSide * kSide;
  const uint8_t* planes = pixels_.data() + i * kPixelBytes;
  cv::Mat rgb(kSide, kSide, CV_8UC3);
  uint8_t* out = rgb.ptr<uint8_t>();
  for (int p = 0; p < kPlane; ++p)
    for (int c = 0; c < 3; ++c) out[3 * p + c] = planes[c * kPlane + p];
  return rgb;
}

bool is_cifar10_dir(const std::string& dir) {
  return fs::is_regular_file(path_status(fs::path(dir) / "data_batch_1.bin")) ||
         fs::is_regular_file(path_status(fs::path(dir) / "test_batch.bin"));
}

}  // namespace relunet
