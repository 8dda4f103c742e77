// batch_loader.hpp — turns dataset images into normalised NCHW float batches on a background
// thread, so the next batch is ready when the network finishes the current one.
//
// Randomness is a pure function of (seed, epoch, batch index, and the image for alternating
// flips): the shuffle of an epoch and the augmentation of every image in a batch can be
// reproduced from those numbers alone, which is what makes an interrupted run resume exactly.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "data/augment.hpp"
#include "data/dataset.hpp"

namespace relunet {

struct Batch {
  const float* images = nullptr;  // batch_size x C x H x W, normalised; rows past `count` are 0
  const int32_t* labels = nullptr;  // batch_size entries; -1 past `count`
  int count = 0;                  // valid images in this batch (the last eval batch may be short)
  int64_t index = 0;              // batch index within the epoch
  int rows = 0;                   // the batch size: images in the buffer, valid or not
  int channels = 0, height = 0, width = 0;  // of each image
};

struct LoaderOptions {
  int batch_size = 128;
  int height = 32, width = 32;  // model input; images of another size are resized (area)
  Augmentation augment;         // all zero for evaluation
  bool shuffle = false;
  bool drop_last = false;       // training drops the short last batch; evaluation pads it
  uint64_t seed = 0;
  // Data-parallel runs: this process is rank `shard` of `shards`. Batch b is then rank `shard`'s
  // part of the global batch b of batch_size x shards images: the global positions shard,
  // shard + shards, ... (PyTorch's DistributedSampler, whose strided shard of the epoch gives
  // the same batches). Augmentation draws by the global position, so which images a global
  // batch holds, and their crops and flips, do not depend on the number of ranks.
  int shard = 0, shards = 1;

  // Training: shuffled, augmented, the short last batch dropped.
  static LoaderOptions training(int batch_size, int height, int width, const Augmentation& augment, uint64_t seed);
  // Evaluation: every image once, in order, unaugmented; the short last batch padded.
  static LoaderOptions evaluation(int batch_size, int height, int width);
};

class BatchLoader {
 public:
  // `indices` selects the images of `data` this loader visits (a split). The loader keeps
  // references to `data`; it must outlive the loader.
  BatchLoader(const Dataset& data, std::vector<size_t> indices, Normalization norm,
              LoaderOptions opts);
  ~BatchLoader();
  BatchLoader(const BatchLoader&) = delete;
  BatchLoader& operator=(const BatchLoader&) = delete;

  int64_t batches_per_epoch() const;
  size_t images() const;  // number of indices
  // Starts producing the batches of `epoch` from batch `first_batch` on (resume mid-epoch).
  void start_epoch(int64_t epoch, int64_t first_batch = 0);
  // Blocks until the next batch is ready; returns false at the end of the epoch. The returned
  // pointers stay valid until the next call to next() or start_epoch().
  bool next(Batch& batch);
  // Seconds the caller spent blocked in next() since the last call (input starvation).
  double take_wait_seconds();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace relunet
