// test_cifar10.cpp — the CIFAR-10 reader on generated batch files, plus the split and the
// normalisation statistics computed from a dataset.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <functional>
#include <numeric>
#include <set>
#include <string>
#include <vector>

#include "data/cifar10.hpp"
#include "data/dataset.hpp"
#include "data/splits.hpp"

namespace fs = std::filesystem;

namespace {

constexpr int kPlane = relunet::Cifar10::kSide * relunet::Cifar10::kSide;
constexpr int kFullRecords = relunet::Cifar10::kMaxRecordsPerFile;
constexpr size_t kFileBytes = size_t(kFullRecords) * relunet::Cifar10::kRecordBytes;

// Known content of generated batch files: every byte is a function of where it sits, so a
// mix-up of files, records, channels or rows shows up as a wrong value.
uint8_t pixel_value(int file, int record, int channel, int pos) {
  return uint8_t(file * 17 + record * 131 + channel * 71 + pos * 29 + (pos >> 5) * 3);
}
uint8_t label_value(int file, int record) { return uint8_t((record * 7 + file) % 10); }

std::vector<uint8_t> make_batch(int file, int records = kFullRecords) {
  std::vector<uint8_t> bytes(size_t(records) * relunet::Cifar10::kRecordBytes);
  for (int r = 0; r < records; ++r) {
    uint8_t* record = bytes.data() + size_t(r) * relunet::Cifar10::kRecordBytes;
    record[0] = label_value(file, r);
    for (int c = 0; c < 3; ++c)
      for (int p = 0; p < kPlane; ++p) record[1 + c * kPlane + p] = pixel_value(file, r, c, p);
  }
  return bytes;
}

void write_file(const fs::path& path, const std::vector<uint8_t>& bytes) {
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char*>(bytes.data()), std::streamsize(bytes.size()));
  ASSERT_TRUE(out.good()) << "cannot write " << path;
}

void write_text(const fs::path& path, const std::string& text) {
  std::ofstream out(path);
  out << text;
}

std::string error_of(const std::function<void()>& action) {
  try {
    action();
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  ADD_FAILURE() << "expected a std::runtime_error";
  return "";
}

void expect_mentions(const std::string& message, const std::vector<std::string>& parts) {
  for (const std::string& part : parts)
    EXPECT_NE(message.find(part), std::string::npos)
        << "'" << part << "' missing from: " << message;
}

// `file` is N for data_batch_N.bin and 0 for test_batch.bin.
void expect_record_matches(const relunet::Cifar10& data, size_t i, int file, int record) {
  ASSERT_EQ(data.label(i), label_value(file, record)) << "image " << i;
  const cv::Mat image = data.image(i);
  ASSERT_EQ(image.type(), CV_8UC3);
  ASSERT_EQ(image.rows, 32);
  ASSERT_EQ(image.cols, 32);
  for (int y = 0; y < 32; ++y)
    for (int x = 0; x < 32; ++x)
      for (int c = 0; c < 3; ++c)
        ASSERT_EQ(image.at<cv::Vec3b>(y, x)[c], pixel_value(file, record, c, y * 32 + x))
            << "image " << i << " y " << y << " x " << x << " channel " << c;
}

}  // namespace

class Cifar10 : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = ::testing::TempDir() + "relunet_cifar10_XXXXXX";
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
  }
  void TearDown() override { fs::remove_all(dir_); }

  void write_test_batch(const std::vector<uint8_t>& bytes) {
    write_file(dir_ / "test_batch.bin", bytes);
  }

  fs::path dir_;
};

TEST_F(Cifar10, ReadsTrainingBatchesPixelExactInRgbOrder) {
  for (int file = 1; file <= 5; ++file)
    write_file(dir_ / ("data_batch_" + std::to_string(file) + ".bin"), make_batch(file));
  // Windows line ends, blank lines and a UTF-8 byte-order mark (Notepad's) are not in the names.
  write_text(dir_ / "batches.meta.txt", "\xEF\xBB\xBF" "c0\nc1\nc2\r\nc3\n\nc4\nc5\nc6\nc7\nc8\nc9\n\n");

  const relunet::Cifar10 data(dir_.string(), true);
  ASSERT_EQ(data.size(), 50000u);
  for (int file = 1; file <= 5; ++file)
    for (int record : {0, 1, 4321, 9999})
      expect_record_matches(data, size_t(file - 1) * 10000 + record, file, record);
  const std::vector<std::string> expected = {"c0", "c1", "c2", "c3", "c4",
                                             "c5", "c6", "c7", "c8", "c9"};
  EXPECT_EQ(data.class_names(), expected);
  EXPECT_THROW(data.image(50000), std::out_of_range);
}

TEST_F(Cifar10, ReadsTestBatchWithStandardNamesWhenMetaFileIsMissing) {
  write_test_batch(make_batch(0));
  const relunet::Cifar10 data(dir_.string(), false);
  ASSERT_EQ(data.size(), 10000u);
  for (int record : {0, 77, 9999}) expect_record_matches(data, size_t(record), 0, record);
  const std::vector<std::string> standard = {"airplane", "automobile", "bird",  "cat",  "deer",
                                             "dog",      "frog",       "horse", "ship", "truck"};
  EXPECT_EQ(data.class_names(), standard);
}

TEST_F(Cifar10, ReadsSmallFilesWithDifferentRecordCounts) {
  const std::vector<int> records = {3, 1, 7, 2, 5};
  for (int file = 1; file <= 5; ++file)
    write_file(dir_ / ("data_batch_" + std::to_string(file) + ".bin"),
               make_batch(file, records[file - 1]));
  const relunet::Cifar10 data(dir_.string(), true);
  ASSERT_EQ(data.size(), 18u);
  size_t i = 0;
  for (int file = 1; file <= 5; ++file)
    for (int record = 0; record < records[file - 1]; ++record, ++i)
      expect_record_matches(data, i, file, record);
}

TEST_F(Cifar10, RejectsEmptyFile) {
  write_test_batch({});
  const std::string message = error_of([&] { relunet::Cifar10(dir_.string(), false); });
  expect_mentions(message, {(dir_ / "test_batch.bin").string(), "0 bytes", "empty"});
}

TEST_F(Cifar10, RejectsSmallFileEndingInAPartialRecord) {
  std::vector<uint8_t> bytes = make_batch(0, 4);
  bytes.resize(bytes.size() - 1);
  write_test_batch(bytes);
  const std::string message = error_of([&] { relunet::Cifar10(dir_.string(), false); });
  expect_mentions(message, {(dir_ / "test_batch.bin").string(), std::to_string(bytes.size()),
                            "truncated", "record 3 "});
}

TEST_F(Cifar10, RejectsTruncatedFileNamingFirstIncompleteRecord) {
  std::vector<uint8_t> bytes = make_batch(0);
  const size_t size = 5000 * size_t(relunet::Cifar10::kRecordBytes) + 10;
  bytes.resize(size);
  write_test_batch(bytes);
  const std::string message = error_of([&] { relunet::Cifar10(dir_.string(), false); });
  expect_mentions(message, {(dir_ / "test_batch.bin").string(), std::to_string(size),
                            std::to_string(kFileBytes), "truncated", "record 5000 "});
}

TEST_F(Cifar10, RejectsExtraBytes) {
  std::vector<uint8_t> bytes = make_batch(0);
  bytes.push_back(0);
  write_test_batch(bytes);
  const std::string message = error_of([&] { relunet::Cifar10(dir_.string(), false); });
  expect_mentions(message, {(dir_ / "test_batch.bin").string(), std::to_string(kFileBytes + 1),
                            std::to_string(kFileBytes), "extra bytes"});
}

TEST_F(Cifar10, RejectsLabelTenNamingFileAndRecord) {
  std::vector<uint8_t> bytes = make_batch(0);
  bytes[1234 * size_t(relunet::Cifar10::kRecordBytes)] = 10;
  write_test_batch(bytes);
  const std::string message = error_of([&] { relunet::Cifar10(dir_.string(), false); });
  expect_mentions(message, {(dir_ / "test_batch.bin").string(), "record 1234 ", "label 10"});
}

TEST_F(Cifar10, RejectsLabel255InALaterTrainingFile) {
  for (int file = 1; file <= 5; ++file) {
    std::vector<uint8_t> bytes = make_batch(file);
    if (file == 3) bytes[0] = 255;
    write_file(dir_ / ("data_batch_" + std::to_string(file) + ".bin"), bytes);
  }
  const std::string message = error_of([&] { relunet::Cifar10(dir_.string(), true); });
  expect_mentions(message, {(dir_ / "data_batch_3.bin").string(), "record 0 ", "label 255"});
}

TEST_F(Cifar10, MissingFileTellsHowToGetTheData) {
  write_test_batch(make_batch(0));  // a test-only directory lacks the training batches
  const std::string message = error_of([&] { relunet::Cifar10(dir_.string(), true); });
  expect_mentions(message, {(dir_ / "data_batch_1.bin").string(), "missing",
                            "scripts/get-cifar10.sh", "--data DIR"});
}

TEST_F(Cifar10, MissingDirectoryTellsHowToGetTheData) {
  const std::string missing = (dir_ / "no-such-dir").string();
  const std::string message = error_of([&] { relunet::Cifar10(missing, false); });
  expect_mentions(message, {missing, "does not exist", "scripts/get-cifar10.sh", "--data DIR"});
  EXPECT_FALSE(relunet::is_cifar10_dir(missing));
}

TEST_F(Cifar10, RejectsMetaFileWithWrongNameCount) {
  write_test_batch(make_batch(0));
  const fs::path meta = dir_ / "batches.meta.txt";
  write_text(meta, "a\nb\nc\nd\ne\nf\ng\nh\ni\n");
  expect_mentions(error_of([&] { relunet::Cifar10(dir_.string(), false); }),
                  {meta.string(), "9 names", "expected 10"});
  write_text(meta, "a\nb\nc\nd\ne\nf\ng\nh\ni\nj\nk\n");
  expect_mentions(error_of([&] { relunet::Cifar10(dir_.string(), false); }),
                  {meta.string(), "11 names"});
}

TEST_F(Cifar10, RecognisesCifarDirectories) {
  EXPECT_FALSE(relunet::is_cifar10_dir(dir_.string()));
  write_text(dir_ / "test_batch.bin", "");
  EXPECT_TRUE(relunet::is_cifar10_dir(dir_.string()));
}

TEST_F(Cifar10, SplitIsASeededDeterministicPartition) {
  const relunet::Split split = relunet::split_train_val(1000, 150, 42);
  ASSERT_EQ(split.train.size(), 850u);
  ASSERT_EQ(split.val.size(), 150u);
  EXPECT_TRUE(std::is_sorted(split.train.begin(), split.train.end()));
  EXPECT_TRUE(std::is_sorted(split.val.begin(), split.val.end()));
  std::vector<size_t> all = split.train;
  all.insert(all.end(), split.val.begin(), split.val.end());
  std::sort(all.begin(), all.end());
  std::vector<size_t> expected(1000);
  std::iota(expected.begin(), expected.end(), size_t{0});
  EXPECT_EQ(all, expected);  // disjoint and complete

  const relunet::Split again = relunet::split_train_val(1000, 150, 42);
  EXPECT_EQ(again.val, split.val);
  EXPECT_EQ(again.train, split.train);
  EXPECT_NE(relunet::split_train_val(1000, 150, 43).val, split.val);
  // Not simply the first or last images.
  EXPECT_NE(split.val.front(), 0u);
  EXPECT_NE(split.val.back() - split.val.front(), 149u);

  EXPECT_TRUE(relunet::split_train_val(10, 0, 1).val.empty());
  EXPECT_THROW(relunet::split_train_val(10, 10, 1), std::runtime_error);
}

TEST_F(Cifar10, NormalizationEqualsNaiveRecomputation) {
  std::vector<uint8_t> bytes = make_batch(0);
  // Vary the images beyond the generator's pattern so the statistics are not symmetric.
  for (size_t i = 1; i < bytes.size(); i += 5) bytes[i] = uint8_t(bytes[i] / 3);
  for (size_t r = 0; r < 10000; ++r) bytes[r * relunet::Cifar10::kRecordBytes] = 0;
  write_test_batch(bytes);
  const relunet::Cifar10 data(dir_.string(), false);
  const std::vector<size_t> indices = {0, 3, 17, 500, 4096, 9999};

  const relunet::Normalization norm = relunet::compute_normalization(data, indices);
  for (int c = 0; c < 3; ++c) {
    // Two-pass statistics straight from the planar file bytes.
    auto value = [&](size_t record, int p) {
      return bytes[record * relunet::Cifar10::kRecordBytes + 1 + c * kPlane + p] / 255.0;
    };
    double sum = 0;
    for (size_t r : indices)
      for (int p = 0; p < kPlane; ++p) sum += value(r, p);
    const double n = double(indices.size()) * kPlane;
    const double mean = sum / n;
    double squares = 0;
    for (size_t r : indices)
      for (int p = 0; p < kPlane; ++p) squares += (value(r, p) - mean) * (value(r, p) - mean);
    EXPECT_NEAR(norm.mean[c], mean, 1e-6) << "channel " << c;
    EXPECT_NEAR(norm.stddev[c], std::sqrt(squares / n), 1e-6) << "channel " << c;
  }
  EXPECT_THROW(relunet::compute_normalization(data, {}), std::runtime_error);
}

TEST_F(Cifar10, RealTrainingDataHasFiveThousandImagesPerClass) {
  const std::string real = "/work/shared/data/cifar-10-batches-bin";
  if (!fs::exists(fs::path(real) / "data_batch_1.bin")) GTEST_SKIP() << "no CIFAR-10 at " << real;
  const relunet::Cifar10 data(real, true);
  ASSERT_EQ(data.size(), 50000u);
  std::vector<int> per_class(10, 0);
  for (size_t i = 0; i < data.size(); ++i) ++per_class[data.label(i)];
  EXPECT_EQ(per_class, std::vector<int>(10, 5000));
  EXPECT_EQ(data.class_names().front(), "airplane");
  EXPECT_EQ(data.class_names().back(), "truck");
}
