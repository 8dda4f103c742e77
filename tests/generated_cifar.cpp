#include "generated_cifar.hpp"

#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include "test_files.hpp"

namespace relunet::test {
namespace {

namespace fs = std::filesystem;

constexpr int kRecordBytes = 3073;  // label byte + 32x32 planar RGB
constexpr int kPlane = 1024;

// One colour per class, at least 87 apart in some channel.
const int kPalette[10][3] = {{215, 40, 40},  {40, 215, 40},  {40, 40, 215},   {215, 215, 40},
                             {215, 40, 215}, {40, 215, 215}, {128, 128, 128}, {215, 128, 40},
                             {40, 128, 215}, {128, 40, 128}};

// Learnable but not trivially: each image is its class colour shifted per image and per pixel,
// and 15% of the labels are random, so the best possible accuracy is about 87%.
std::string make_records(int count, std::mt19937& rng) {
  std::uniform_int_distribution<int> klass(0, 9), shift(-30, 30), noise(-40, 40), percent(0, 99);
  std::string bytes(size_t(count) * kRecordBytes, '\0');
  for (int r = 0; r < count; ++r) {
    char* record = &bytes[size_t(r) * kRecordBytes];
    const int colour = klass(rng);
    record[0] = char(percent(rng) < 15 ? klass(rng) : colour);
    for (int c = 0; c < 3; ++c) {
      const int base = kPalette[colour][c] + shift(rng);
      for (int p = 0; p < kPlane; ++p)
        record[1 + c * kPlane + p] = char(std::clamp(base + noise(rng), 0, 255));
    }
  }
  return bytes;
}

}  // namespace

const std::vector<std::string> kGeneratedClassNames = {"red",  "green", "blue",   "yellow", "magenta",
                                                       "cyan", "grey",  "orange", "azure",  "purple"};

void write_generated_cifar(const fs::path& dir, int records_per_training_file, int test_records) {
  fs::create_directories(dir);
  std::mt19937 rng(2024);
  for (int file = 1; file <= 5; ++file)
    write_bytes(dir / ("data_batch_" + std::to_string(file) + ".bin"),
               make_records(records_per_training_file, rng));
  write_bytes(dir / "test_batch.bin", make_records(test_records, rng));
  std::string meta;
  for (const std::string& name : kGeneratedClassNames) meta += name + "\n";
  write_bytes(dir / "batches.meta.txt", meta);
}

}  // namespace relunet::test
