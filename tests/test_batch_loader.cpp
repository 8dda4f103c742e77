// test_batch_loader.cpp — the background batch loader on small synthetic datasets: coverage,
// padding, normalisation, seeded reproducibility, resume mid-epoch, augmentation, errors.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "data/batch_loader.hpp"

namespace {

using relunet::BatchLoader;
using relunet::LoaderOptions;
using relunet::Normalization;

// Images whose label is their index and whose pixels are a known, left/right asymmetric pattern.
class SyntheticImages : public relunet::Dataset {
 public:
  SyntheticImages(size_t n, int rows, int cols) : n_(n), rows_(rows), cols_(cols) {}

  static uint8_t pixel(size_t i, int y, int x, int c) {
    return uint8_t(i * 31 + y * 17 + x * 5 + c * 80 + x * y);
  }

  size_t size() const override { return n_; }
  int label(size_t i) const override { return int(i); }
  cv::Mat image(size_t i) const override {
    if (i == fail_at) throw std::runtime_error("image " + std::to_string(i) + " is unreadable");
    if (delay.count() > 0) std::this_thread::sleep_for(delay);
    cv::Mat m(rows_, cols_, CV_8UC3);
    for (int y = 0; y < rows_; ++y)
      for (int x = 0; x < cols_; ++x)
        for (int c = 0; c < 3; ++c) m.at<cv::Vec3b>(y, x)[c] = pixel(i, y, x, c);
    return m;
  }
  const std::vector<std::string>& class_names() const override { return names_; }

  size_t fail_at = SIZE_MAX;
  std::chrono::milliseconds delay{0};

 private:
  size_t n_;
  int rows_, cols_;
  std::vector<std::string> names_;
};

// One constant colour per image, at any size: resizing must keep the colour.
class ConstantImages : public SyntheticImages {
 public:
  using SyntheticImages::SyntheticImages;
  cv::Mat image(size_t i) const override {
    const cv::Mat shape = SyntheticImages::image(i);
    return cv::Mat(shape.size(), CV_8UC3, cv::Scalar::all(double(value(i))));
  }
  static uint8_t value(size_t i) { return uint8_t(i * 10 + 5); }
};

struct CopiedBatch {
  std::vector<float> images;
  std::vector<int32_t> labels;
  int count;
  int64_t index;
};

std::vector<CopiedBatch> read_epoch(BatchLoader& loader, const LoaderOptions& opts, int64_t epoch,
                                    int64_t first_batch = 0) {
  const size_t floats = size_t(opts.batch_size) * 3 * opts.height * opts.width;
  loader.start_epoch(epoch, first_batch);
  std::vector<CopiedBatch> batches;
  relunet::Batch batch;
  while (loader.next(batch))
    batches.push_back({{batch.images, batch.images + floats},
                       {batch.labels, batch.labels + opts.batch_size},
                       batch.count,
                       batch.index});
  return batches;
}

std::vector<int32_t> valid_labels(const std::vector<CopiedBatch>& batches) {
  std::vector<int32_t> labels;
  for (const CopiedBatch& b : batches)
    labels.insert(labels.end(), b.labels.begin(), b.labels.begin() + b.count);
  return labels;
}

std::vector<size_t> all_indices(size_t n) {
  std::vector<size_t> indices(n);
  for (size_t i = 0; i < n; ++i) indices[i] = i;
  return indices;
}

// Pixel value of image k (plane c, row y, column x) back from an identity-normalised batch.
int pixel_in(const CopiedBatch& b, const LoaderOptions& o, int k, int c, int y, int x) {
  const float v = b.images[((size_t(k) * 3 + c) * o.height + y) * o.width + x];
  return int(std::lround(v * 255.f));
}

// Index into [0, n) of the mirror image of position p about the edge pixels (dcb|abcd|cba).
int reflect(int p, int n) { return p < 0 ? -p : p >= n ? 2 * (n - 1) - p : p; }

// Whether image k of the batch is image `i` shifted by (dx, dy), the uncovered border filled
// with zeros or the reflection of the image, optionally mirrored after the shift.
bool is_transformed(const CopiedBatch& b, const LoaderOptions& o, int k, size_t i, int dx, int dy,
                    bool mirrored, relunet::CropFill fill = relunet::CropFill::Zero) {
  for (int y = 0; y < o.height; ++y)
    for (int x = 0; x < o.width; ++x) {
      const int sx = (mirrored ? o.width - 1 - x : x) + dx, sy = y + dy;
      const bool inside = sx >= 0 && sx < o.width && sy >= 0 && sy < o.height;
      for (int c = 0; c < 3; ++c) {
        const int expected =
            inside ? SyntheticImages::pixel(i, sy, sx, c)
            : fill == relunet::CropFill::Reflect
                ? SyntheticImages::pixel(i, reflect(sy, o.height), reflect(sx, o.width), c)
                : 0;
        if (pixel_in(b, o, k, c, y, x) != expected) return false;
      }
    }
  return true;
}

// Whether each image of an epoch (by label = dataset index) is mirrored; fails the test for an
// image that is neither itself nor its mirror.
std::vector<int> mirrored_by_image(const std::vector<CopiedBatch>& batches, const LoaderOptions& o,
                                   size_t images) {
  std::vector<int> mirrored(images, -1);
  for (const CopiedBatch& b : batches)
    for (int k = 0; k < b.count; ++k) {
      const size_t i = size_t(b.labels[k]);
      if (is_transformed(b, o, k, i, 0, 0, false))
        mirrored[i] = 0;
      else if (is_transformed(b, o, k, i, 0, 0, true))
        mirrored[i] = 1;
      else
        ADD_FAILURE() << "image with label " << i << " is neither itself nor its mirror";
    }
  return mirrored;
}

LoaderOptions small_options(int batch_size, bool shuffle) {
  LoaderOptions opts;
  opts.batch_size = batch_size;
  opts.height = opts.width = 8;
  opts.shuffle = shuffle;
  opts.seed = 1234;
  return opts;
}

}  // namespace

TEST(BatchLoader, ShuffledEpochVisitsEverySelectedIndexOnce) {
  const SyntheticImages data(120, 8, 8);
  std::vector<size_t> indices;
  for (size_t i = 0; i < 120; ++i)
    if (i % 7 != 0) indices.push_back(i);  // 102 images: a split, not the whole dataset
  const LoaderOptions opts = small_options(10, true);
  BatchLoader loader(data, indices, Normalization{}, opts);
  EXPECT_EQ(loader.images(), 102u);
  EXPECT_EQ(loader.batches_per_epoch(), 11);

  const std::vector<CopiedBatch> batches = read_epoch(loader, opts, 0);
  ASSERT_EQ(batches.size(), 11u);
  std::vector<int32_t> seen = valid_labels(batches);
  EXPECT_FALSE(std::is_sorted(seen.begin(), seen.end()));
  std::sort(seen.begin(), seen.end());
  EXPECT_EQ(seen, std::vector<int32_t>(indices.begin(), indices.end()));
}

TEST(BatchLoader, PadsShortLastBatchOrDropsIt) {
  const SyntheticImages data(23, 8, 8);
  LoaderOptions opts = small_options(10, false);
  BatchLoader padded(data, all_indices(23), Normalization{}, opts);
  const std::vector<CopiedBatch> batches = read_epoch(padded, opts, 0);
  ASSERT_EQ(batches.size(), 3u);
  const CopiedBatch& last = batches.back();
  EXPECT_EQ(last.count, 3);
  EXPECT_EQ(last.index, 2);
  EXPECT_EQ(last.labels, std::vector<int32_t>({20, 21, 22, -1, -1, -1, -1, -1, -1, -1}));
  const size_t image_floats = 3 * 8 * 8;
  EXPECT_TRUE(std::all_of(last.images.begin() + 3 * image_floats, last.images.end(),
                          [](float v) { return v == 0.f; }));
  EXPECT_NE(last.images[2 * image_floats + 1], 0.f);

  opts.drop_last = true;
  BatchLoader dropping(data, all_indices(23), Normalization{}, opts);
  EXPECT_EQ(dropping.batches_per_epoch(), 2);
  const std::vector<CopiedBatch> full = read_epoch(dropping, opts, 0);
  ASSERT_EQ(full.size(), 2u);
  EXPECT_EQ(full[1].count, 10);
}

TEST(BatchLoader, NormalisesIntoPlanarChannels) {
  const SyntheticImages data(12, 8, 8);
  const LoaderOptions opts = small_options(5, false);
  Normalization norm;
  norm.mean = {0.1f, 0.5f, 0.9f};
  norm.stddev = {0.2f, 0.3f, 0.25f};
  BatchLoader loader(data, all_indices(12), norm, opts);
  const std::vector<CopiedBatch> batches = read_epoch(loader, opts, 0);
  ASSERT_EQ(batches.size(), 3u);
  for (const CopiedBatch& b : batches)
    for (int k = 0; k < b.count; ++k)
      for (int c = 0; c < 3; ++c)
        for (int y = 0; y < 8; ++y)
          for (int x = 0; x < 8; ++x) {
            const size_t i = size_t(b.labels[k]);
            const double expected =
                (SyntheticImages::pixel(i, y, x, c) / 255.0 - norm.mean[c]) / norm.stddev[c];
            ASSERT_NEAR(b.images[((size_t(k) * 3 + c) * 8 + y) * 8 + x], expected, 1e-5)
                << "image " << i << " channel " << c << " y " << y << " x " << x;
          }
}

TEST(BatchLoader, SameSeedSameBatchesAndEpochsDiffer) {
  const SyntheticImages data(40, 8, 8);
  LoaderOptions opts = small_options(8, true);
  opts.augment = {2, true};
  BatchLoader first(data, all_indices(40), Normalization{}, opts);
  BatchLoader second(data, all_indices(40), Normalization{}, opts);
  const std::vector<CopiedBatch> a = read_epoch(first, opts, 3);
  const std::vector<CopiedBatch> b = read_epoch(second, opts, 3);
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].labels, b[i].labels);
    EXPECT_EQ(a[i].images, b[i].images) << "batch " << i;
  }
  EXPECT_NE(valid_labels(read_epoch(first, opts, 4)), valid_labels(a));

  opts.seed = 99;
  BatchLoader reseeded(data, all_indices(40), Normalization{}, opts);
  EXPECT_NE(valid_labels(read_epoch(reseeded, opts, 3)), valid_labels(a));
}

TEST(BatchLoader, ResumingMidEpochReproducesTheFullEpoch) {
  const SyntheticImages data(70, 8, 8);
  LoaderOptions opts = small_options(8, true);
  opts.augment = {3, true};
  BatchLoader full_run(data, all_indices(70), Normalization{}, opts);
  const std::vector<CopiedBatch> full = read_epoch(full_run, opts, 5);
  ASSERT_EQ(full.size(), 9u);

  // A fresh loader, and the same loader restarted in the middle of another epoch.
  BatchLoader resumed(data, all_indices(70), Normalization{}, opts);
  relunet::Batch partial;
  full_run.start_epoch(6);
  ASSERT_TRUE(full_run.next(partial));
  for (BatchLoader* loader : {&resumed, &full_run}) {
    const std::vector<CopiedBatch> tail = read_epoch(*loader, opts, 5, 4);
    ASSERT_EQ(tail.size(), 5u);
    for (size_t i = 0; i < tail.size(); ++i) {
      EXPECT_EQ(tail[i].index, full[4 + i].index);
      EXPECT_EQ(tail[i].count, full[4 + i].count);
      EXPECT_EQ(tail[i].labels, full[4 + i].labels);
      EXPECT_EQ(tail[i].images, full[4 + i].images) << "batch " << 4 + i;
    }
  }
  EXPECT_TRUE(read_epoch(resumed, opts, 5, 9).empty());
  EXPECT_THROW(resumed.start_epoch(5, 10), std::out_of_range);
}

TEST(BatchLoader, FlipMirrorsSomeImagesAndKeepsLabels) {
  const SyntheticImages data(60, 8, 8);
  LoaderOptions opts = small_options(6, true);
  opts.augment.flip = true;
  BatchLoader loader(data, all_indices(60), Normalization{}, opts);
  int mirrored = 0, unchanged = 0;
  for (const CopiedBatch& b : read_epoch(loader, opts, 0))
    for (int k = 0; k < b.count; ++k) {
      const size_t i = size_t(b.labels[k]);
      if (is_transformed(b, opts, k, i, 0, 0, false))
        ++unchanged;
      else if (is_transformed(b, opts, k, i, 0, 0, true))
        ++mirrored;
      else
        ADD_FAILURE() << "image with label " << i << " is neither itself nor its mirror";
    }
  EXPECT_EQ(mirrored + unchanged, 60);
  EXPECT_GT(mirrored, 0);
  EXPECT_GT(unchanged, 0);
}

// Every image of an epoch cropped after padding by `pad` with `fill` is a shifted copy of itself
// with its label (with reflect fill, not one with a zero border); most are really moved.
void expect_shifted_copies(int pad, relunet::CropFill fill) {
  const SyntheticImages data(60, 8, 8);
  LoaderOptions opts = small_options(6, true);
  opts.augment.crop_pad = pad;
  opts.augment.crop_fill = fill;
  BatchLoader loader(data, all_indices(60), Normalization{}, opts);
  int shifted = 0, matched = 0;
  for (const CopiedBatch& b : read_epoch(loader, opts, 0))
    for (int k = 0; k < b.count; ++k) {
      const size_t i = size_t(b.labels[k]);
      bool found = false;
      for (int dy = -pad; dy <= pad && !found; ++dy)
        for (int dx = -pad; dx <= pad && !found; ++dx)
          if (is_transformed(b, opts, k, i, dx, dy, false, fill)) {
            found = true;
            shifted += (dx != 0 || dy != 0);
            if (fill == relunet::CropFill::Reflect) {
              EXPECT_TRUE((dx == 0 && dy == 0) || !is_transformed(b, opts, k, i, dx, dy, false))
                  << "a shifted image with a zero border";
            }
          }
      EXPECT_TRUE(found) << "image with label " << i << " is no shifted copy of image " << i;
      matched += found;
    }
  EXPECT_EQ(matched, 60);
  EXPECT_GT(shifted, 30);  // all offsets but one move the image
}

// Cutout: in every image one side x side square inside it is zero (the mean colour once
// normalised) in all three planes and every other pixel is the image's; the square's place
// varies from image to image and is the same when the epoch is read again.
TEST(BatchLoader, CutoutZeroesOneSquareInsideEachImageInEveryPlane) {
  const int side = 3;
  const ConstantImages data(40, 8, 8);
  LoaderOptions opts = small_options(8, true);
  opts.augment.cutout = side;
  std::vector<std::vector<int>> squares;  // the zero pixels' (y, x) of each image, in order
  for (int reading = 0; reading < 2; ++reading) {
    BatchLoader loader(data, all_indices(40), Normalization{}, opts);
    int image = 0;
    for (const CopiedBatch& b : read_epoch(loader, opts, 3))
      for (int k = 0; k < b.count; ++k, ++image) {
        const size_t i = size_t(b.labels[k]);
        std::vector<int> zeros;
        for (int y = 0; y < opts.height; ++y)
          for (int x = 0; x < opts.width; ++x) {
            const bool cut = pixel_in(b, opts, k, 0, y, x) == 0;
            if (cut) zeros.push_back(y * opts.width + x);
            for (int c = 0; c < 3; ++c)
              EXPECT_EQ(pixel_in(b, opts, k, c, y, x), cut ? 0 : ConstantImages::value(i))
                  << "image " << i << " plane " << c << " at " << y << "," << x;
          }
        ASSERT_EQ(zeros.size(), size_t(side * side)) << "image " << i;
        const int y0 = zeros.front() / opts.width, x0 = zeros.front() % opts.width;
        for (size_t z = 0; z < zeros.size(); ++z)
          EXPECT_EQ(zeros[z], (y0 + int(z) / side) * opts.width + x0 + int(z) % side) << "not a square";
        if (reading == 0)
          squares.push_back(zeros);
        else
          EXPECT_EQ(zeros, squares[size_t(image)]) << "another square when the epoch is read again";
      }
  }
  std::sort(squares.begin(), squares.end());
  EXPECT_GT(std::unique(squares.begin(), squares.end()) - squares.begin(), 10) << "the squares hardly move";
}

TEST(BatchLoader, CutoutLargerThanTheImageIsRefused) {
  const ConstantImages data(4, 8, 8);
  LoaderOptions opts = small_options(2, false);
  opts.augment.cutout = 9;
  EXPECT_THROW(BatchLoader(data, all_indices(4), Normalization{}, opts), std::invalid_argument);
}

TEST(BatchLoader, CropShiftsImagesWithZeroPaddingAndKeepsLabels) {
  expect_shifted_copies(3, relunet::CropFill::Zero);
}

// Reflect fill: the uncovered border mirrors the image about its edge pixels (not a zero border,
// not a repeated edge).
TEST(BatchLoader, CropWithReflectFillMirrorsTheBorder) {
  expect_shifted_copies(2, relunet::CropFill::Reflect);
}

// Alternating flips: about half the images mirrored in the first epoch, and every image switches
// orientation from one epoch to the next, whatever the shuffle; another seed picks another half.
TEST(BatchLoader, AlternatingFlipSwitchesEveryImageEachEpoch) {
  const size_t n = 64;
  const SyntheticImages data(n, 8, 8);
  LoaderOptions opts = small_options(8, true);
  opts.augment.flip = true;
  opts.augment.flip_mode = relunet::FlipMode::Alternating;
  BatchLoader loader(data, all_indices(n), Normalization{}, opts);
  const std::vector<int> first = mirrored_by_image(read_epoch(loader, opts, 0), opts, n);
  const int mirrored = int(std::count(first.begin(), first.end(), 1));
  EXPECT_GT(mirrored, 16);
  EXPECT_LT(mirrored, 48);
  for (int64_t epoch = 1; epoch < 4; ++epoch) {
    const std::vector<int> now = mirrored_by_image(read_epoch(loader, opts, epoch), opts, n);
    for (size_t i = 0; i < n; ++i)
      EXPECT_EQ(now[i], epoch % 2 ? 1 - first[i] : first[i]) << "image " << i << " epoch " << epoch;
  }
  opts.seed = 77;
  BatchLoader reseeded(data, all_indices(n), Normalization{}, opts);
  EXPECT_NE(mirrored_by_image(read_epoch(reseeded, opts, 0), opts, n), first);
}

// With reflect-padded translation and alternating flips, a fresh loader started mid-epoch
// produces the batches of an uninterrupted epoch, bit for bit.
TEST(BatchLoader, ReflectCropAndAlternatingFlipAreReproducible) {
  const SyntheticImages data(70, 8, 8);
  LoaderOptions opts = small_options(8, true);
  opts.augment = {2, true, relunet::CropFill::Reflect, relunet::FlipMode::Alternating};
  BatchLoader full_run(data, all_indices(70), Normalization{}, opts);
  const std::vector<CopiedBatch> full = read_epoch(full_run, opts, 3);
  BatchLoader resumed(data, all_indices(70), Normalization{}, opts);
  const std::vector<CopiedBatch> tail = read_epoch(resumed, opts, 3, 5);
  ASSERT_EQ(tail.size(), full.size() - 5);
  for (size_t i = 0; i < tail.size(); ++i) {
    EXPECT_EQ(tail[i].labels, full[5 + i].labels);
    EXPECT_EQ(tail[i].images, full[5 + i].images) << "batch " << 5 + i;
  }
  EXPECT_NE(read_epoch(full_run, opts, 4)[0].images, full[0].images);
}

TEST(BatchLoader, ResizesImagesOfOtherSizes) {
  for (const cv::Size stored : {cv::Size(48, 64), cv::Size(5, 6)}) {  // shrink and enlarge
    const ConstantImages data(7, stored.height, stored.width);
    const LoaderOptions opts = small_options(7, false);
    BatchLoader loader(data, all_indices(7), Normalization{}, opts);
    const std::vector<CopiedBatch> batches = read_epoch(loader, opts, 0);
    ASSERT_EQ(batches.size(), 1u);
    for (int k = 0; k < 7; ++k)
      for (int c = 0; c < 3; ++c)
        for (int y = 0; y < 8; ++y)
          for (int x = 0; x < 8; ++x)
            ASSERT_EQ(pixel_in(batches[0], opts, k, c, y, x), ConstantImages::value(size_t(k)))
                << "stored size " << stored;
  }
}

TEST(BatchLoader, ImageErrorSurfacesFromNext) {
  SyntheticImages data(40, 8, 8);
  data.fail_at = 25;
  const LoaderOptions opts = small_options(10, false);
  BatchLoader loader(data, all_indices(40), Normalization{}, opts);
  loader.start_epoch(0);
  relunet::Batch batch;
  ASSERT_TRUE(loader.next(batch));
  ASSERT_TRUE(loader.next(batch));
  try {
    loader.next(batch);
    FAIL() << "expected the dataset's exception";
  } catch (const std::runtime_error& e) {
    EXPECT_STREQ(e.what(), "image 25 is unreadable");
  }
  EXPECT_THROW(loader.next(batch), std::runtime_error);
  // A restart after the failure delivers the batches that do not touch the bad image.
  loader.start_epoch(0, 3);
  ASSERT_TRUE(loader.next(batch));
  EXPECT_EQ(batch.labels[0], 30);
}

TEST(BatchLoader, MeasuresWaitingAndStopsMidEpoch) {
  SyntheticImages data(400, 8, 8);
  data.delay = std::chrono::milliseconds(2);
  const LoaderOptions opts = small_options(8, false);
  const auto started = std::chrono::steady_clock::now();
  {
    BatchLoader loader(data, all_indices(400), Normalization{}, opts);
    EXPECT_THROW(
        {
          relunet::Batch early;
          loader.next(early);
        },
        std::logic_error);
    loader.start_epoch(0);
    relunet::Batch batch;
    ASSERT_TRUE(loader.next(batch));
    EXPECT_GT(loader.take_wait_seconds(), 0.005);  // 8 images at 2 ms each
    EXPECT_EQ(loader.take_wait_seconds(), 0.0);
  }  // destroyed with 49 batches still to go
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  EXPECT_LT(seconds, 1.0);
}

TEST(BatchLoader, RejectsInvalidSetups) {
  const SyntheticImages data(5, 8, 8);
  EXPECT_THROW(BatchLoader(data, {0, 5}, Normalization{}, small_options(2, false)),
               std::out_of_range);
  EXPECT_THROW(BatchLoader(data, {0, 1}, Normalization{}, small_options(0, false)),
               std::invalid_argument);
  Normalization flat;
  flat.stddev[1] = 0.f;
  EXPECT_THROW(BatchLoader(data, {0, 1}, flat, small_options(2, false)), std::invalid_argument);
}

// Data-parallel shards: rank r's batch k is positions r, r+N, ... of the single-process batch k,
// the same images with the same crops and flips; the ranks' shards are disjoint, cover the
// epoch, and change with it; the padded last batch leaves a rank with nothing when it must.
TEST(BatchLoader, ShardsSplitEachGlobalBatchAmongTheRanks) {
  const SyntheticImages data(50, 8, 8);
  constexpr int kRanks = 3, kRankBatch = 4;
  for (bool training : {true, false}) {
    SCOPED_TRACE(training ? "training" : "evaluation");
    LoaderOptions whole = small_options(kRanks * kRankBatch, training);
    whole.drop_last = training;
    if (training) whole.augment = {2, true};
    BatchLoader single(data, all_indices(50), Normalization{}, whole);
    std::vector<std::vector<CopiedBatch>> shards(kRanks);
    std::vector<int32_t> first_epoch_of_rank0;
    for (int64_t epoch : {0, 1}) {
      const std::vector<CopiedBatch> expected = read_epoch(single, whole, epoch);
      std::vector<int32_t> union_of_shards;
      for (int r = 0; r < kRanks; ++r) {
        LoaderOptions part = whole;
        part.batch_size = kRankBatch;
        part.shard = r;
        part.shards = kRanks;
        BatchLoader loader(data, all_indices(50), Normalization{}, part);
        ASSERT_EQ(loader.batches_per_epoch(), single.batches_per_epoch());
        const std::vector<CopiedBatch> batches = read_epoch(loader, part, epoch);
        ASSERT_EQ(batches.size(), expected.size());
        for (size_t k = 0; k < batches.size(); ++k) {
          const int positions = expected[k].count;  // of the global batch
          EXPECT_EQ(batches[k].count, std::max(0, (positions - r + kRanks - 1) / kRanks)) << "batch " << k;
          for (int j = 0; j < batches[k].count; ++j) {
            const int p = r + kRanks * j;
            EXPECT_EQ(batches[k].labels[j], expected[k].labels[p]) << "batch " << k << " rank " << r;
            const size_t floats = size_t(3) * part.height * part.width;
            EXPECT_TRUE(std::equal(batches[k].images.begin() + j * floats, batches[k].images.begin() + (j + 1) * floats,
                                   expected[k].images.begin() + p * floats))
                << "batch " << k << " rank " << r << ": augmented unlike one process";
          }
        }
        const std::vector<int32_t> labels = valid_labels(batches);
        union_of_shards.insert(union_of_shards.end(), labels.begin(), labels.end());
        if (r == 0 && epoch == 0) first_epoch_of_rank0 = labels;
        if (r == 0 && epoch == 1 && training) {
          EXPECT_NE(labels, first_epoch_of_rank0) << "same shard every epoch";
        }
      }
      std::vector<int32_t> epoch_labels = valid_labels(expected);
      std::sort(epoch_labels.begin(), epoch_labels.end());
      std::sort(union_of_shards.begin(), union_of_shards.end());
      EXPECT_EQ(union_of_shards, epoch_labels) << "the shards are not a partition of the epoch";
      EXPECT_EQ(epoch_labels.size(), training ? 48u : 50u);
    }
  }
}
