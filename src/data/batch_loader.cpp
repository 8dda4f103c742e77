// batch_loader.cpp — a worker thread fills a small ring of preallocated batch slots ahead of the
// caller. Batch b of an epoch is a pure function of (seed, epoch, b), so restarting mid-epoch
// reproduces exactly what an uninterrupted run would have produced.
#include "data/batch_loader.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <opencv2/core/utility.hpp>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>

#include "data/input_normalizer.hpp"
#include "data/seeded_random.hpp"

namespace relunet {
namespace {

constexpr int kSlots = 3;     // one held by the caller, up to two prepared ahead
constexpr int kChannels = 3;  // RGB

struct Slot {
  std::vector<float> images;
  std::vector<int32_t> labels;
  int count = 0;
  int64_t index = 0;
};

void validate(const Dataset& data, const std::vector<size_t>& indices, const Normalization& norm,
              const LoaderOptions& opts) {
  if (opts.batch_size < 1) throw std::invalid_argument("batch size must be at least 1");
  if (opts.shards < 1 || opts.shard < 0 || opts.shard >= opts.shards)
    throw std::invalid_argument("shard " + std::to_string(opts.shard) + " is not one of " +
                                std::to_string(opts.shards));
  if (opts.height < 1 || opts.width < 1)
    throw std::invalid_argument("loader image size must be positive, got " +
                                std::to_string(opts.height) + "x" + std::to_string(opts.width));
  if (opts.augment.crop_pad < 0) throw std::invalid_argument("crop padding must not be negative");
  for (float s : norm.stddev)
    if (!(s > 0)) throw std::invalid_argument("normalisation stddev must be positive");
  for (size_t index : indices)
    if (index >= data.size())
      throw std::out_of_range("loader index " + std::to_string(index) +
                              " is outside the dataset (" + std::to_string(data.size()) +
                              " images)");
}

}  // namespace

struct BatchLoader::Impl {
  Impl(const Dataset& data, std::vector<size_t> indices, const Normalization& norm,
       const LoaderOptions& opts);
  ~Impl();

  void run_worker();
  bool can_produce() const;  // caller holds `mutex`
  void fill(Slot& slot, int64_t epoch, int64_t batch, uint64_t job);
  void prepare_order(int64_t epoch);

  const Dataset& data;
  const std::vector<size_t> indices;
  const LoaderOptions opts;
  const size_t global_batch;  // batch_size x shards
  const int64_t batches;
  const InputNormalizer normalizer;
  std::array<Slot, kSlots> slots;

  // Shared between caller and worker, guarded by `mutex`. `generation` and `stopping` are also
  // read without the lock so the worker can abandon a batch that is no longer wanted.
  std::mutex mutex;
  std::condition_variable work_ready;   // worker waits: a slot freed, a new epoch, or stop
  std::condition_variable batch_ready;  // caller waits: a batch produced or an error
  std::atomic<bool> stopping{false};
  std::atomic<uint64_t> generation{0};  // bumped by start_epoch()
  bool started = false;
  int64_t epoch = 0, first_batch = 0;
  int64_t produced = 0, consumed = 0;  // batches of the current generation
  bool caller_holds_slot = false;      // the last slot returned by next() is still in use
  std::exception_ptr error;

  // Worker-only state, reused from batch to batch.
  std::vector<size_t> order;
  int64_t order_epoch = 0;
  bool order_ready = false;
  Augmenter augmenter;

  double wait_seconds = 0;  // caller-only

  std::thread worker;  // started at the end of the constructor, once all state exists
};

BatchLoader::Impl::Impl(const Dataset& data_, std::vector<size_t> indices_,
                        const Normalization& norm, const LoaderOptions& opts_)
    : data(data_),
      indices(std::move(indices_)),
      opts(opts_),
      global_batch(size_t(opts.batch_size) * size_t(opts.shards)),
      batches(opts.drop_last ? int64_t(indices.size() / global_batch)
                             : int64_t((indices.size() + global_batch - 1) / global_batch)),
      normalizer(norm),
      augmenter(opts.augment, opts.height, opts.width) {
  const size_t floats = size_t(opts.batch_size) * kChannels * opts.height * opts.width;
  for (Slot& slot : slots) {
    slot.images.resize(floats);
    slot.labels.resize(opts.batch_size);
  }
  // The worker is the parallelism; OpenCV's own pool would only compete with the network.
  cv::setNumThreads(0);
  worker = std::thread([this] { run_worker(); });
}

BatchLoader::Impl::~Impl() {
  {
    std::lock_guard<std::mutex> lock(mutex);
    stopping = true;
  }
  work_ready.notify_all();
  worker.join();
}

bool BatchLoader::Impl::can_produce() const {
  const int64_t slots_in_use = produced - consumed + (caller_holds_slot ? 1 : 0);
  return started && !error && first_batch + produced < batches && slots_in_use < kSlots;
}

void BatchLoader::Impl::run_worker() {
  std::unique_lock<std::mutex> lock(mutex);
  for (;;) {
    work_ready.wait(lock, [this] { return stopping || can_produce(); });
    if (stopping) return;
    const uint64_t job = generation;
    const int64_t job_epoch = epoch, batch = first_batch + produced;
    Slot& slot = slots[produced % kSlots];
    lock.unlock();
    std::exception_ptr failure;
    try {
      fill(slot, job_epoch, batch, job);
    } catch (...) {
      failure = std::current_exception();
    }
    lock.lock();
    if (stopping) return;
    if (job != generation) continue;  // start_epoch() restarted meanwhile: drop the stale batch
    if (failure)
      error = failure;
    else
      ++produced;
    batch_ready.notify_all();
  }
}

void BatchLoader::Impl::prepare_order(int64_t for_epoch) {
  if (order_ready && (order_epoch == for_epoch || !opts.shuffle)) return;
  order = indices;
  if (opts.shuffle) {
    std::mt19937_64 rng(mix_seed({opts.seed, kShuffleStream, uint64_t(for_epoch)}));
    shuffle_in_place(order, rng);
  }
  order_epoch = for_epoch;
  order_ready = true;
}

void BatchLoader::Impl::fill(Slot& slot, int64_t for_epoch, int64_t batch, uint64_t job) {
  prepare_order(for_epoch);
  const size_t begin = size_t(batch) * global_batch;
  // This rank's images of the global batch: positions shard + shards * k within it.
  const size_t in_batch = std::min(global_batch, order.size() - begin);
  const int count = in_batch > size_t(opts.shard)
                        ? int((in_batch - size_t(opts.shard) + opts.shards - 1) / size_t(opts.shards))
                        : 0;
  const size_t image_floats = size_t(kChannels) * opts.height * opts.width;
  for (int k = 0; k < count; ++k) {
    if (stopping || generation != job) return;  // nobody will read this batch any more
    const int position = opts.shard + opts.shards * k;
    const size_t index = order[begin + size_t(position)];
    slot.labels[k] = data.label(index);
    const cv::Mat image = data.image(index);
    if (image.type() != CV_8UC3 || image.empty())
      throw std::runtime_error("dataset image " + std::to_string(index) +
                               " is not a non-empty 8-bit RGB image");
    const ImageDraw draw{opts.seed, for_epoch, batch, position, index};
    float* planes = slot.images.data() + k * image_floats;
    normalizer.write_planar(augmenter.apply(image, draw), planes);
    augmenter.cut_out(planes, kChannels, draw);
  }
  std::fill(slot.images.begin() + count * image_floats, slot.images.end(), 0.f);
  std::fill(slot.labels.begin() + count, slot.labels.end(), -1);
  slot.count = count;
  slot.index = batch;
}

LoaderOptions LoaderOptions::evaluation(int batch_size, int height, int width) {
  LoaderOptions o;
  o.batch_size = batch_size;
  o.height = height;
  o.width = width;
  return o;
}

LoaderOptions LoaderOptions::training(int batch_size, int height, int width, const Augmentation& augment,
                                     uint64_t seed) {
  LoaderOptions o = evaluation(batch_size, height, width);
  o.augment = augment;
  o.shuffle = o.drop_last = true;
  o.seed = seed;
  return o;
}

BatchLoader::BatchLoader(const Dataset& data, std::vector<size_t> indices, Normalization norm,
                         LoaderOptions opts) {
  validate(data, indices, norm, opts);  // before Impl divides by the batch size
  impl_ = std::make_unique<Impl>(data, std::move(indices), norm, opts);
}

BatchLoader::~BatchLoader() = default;

int64_t BatchLoader::batches_per_epoch() const { return impl_->batches; }

size_t BatchLoader::images() const { return impl_->indices.size(); }

void BatchLoader::start_epoch(int64_t epoch, int64_t first_batch) {
  Impl& s = *impl_;
  if (first_batch < 0 || first_batch > s.batches)
    throw std::out_of_range("first batch " + std::to_string(first_batch) +
                            " is outside the epoch (" + std::to_string(s.batches) + " batches)");
  {
    std::lock_guard<std::mutex> lock(s.mutex);
    ++s.generation;
    s.epoch = epoch;
    s.first_batch = first_batch;
    s.produced = s.consumed = 0;
    s.caller_holds_slot = false;
    s.error = nullptr;
    s.started = true;
  }
  s.work_ready.notify_all();
}

bool BatchLoader::next(Batch& batch) {
  Impl& s = *impl_;
  std::unique_lock<std::mutex> lock(s.mutex);
  if (!s.started) throw std::logic_error("BatchLoader::next() called before start_epoch()");
  if (s.caller_holds_slot) {
    s.caller_holds_slot = false;
    s.work_ready.notify_all();
  }
  if (s.first_batch + s.consumed == s.batches) return false;
  const auto wait_start = std::chrono::steady_clock::now();
  s.batch_ready.wait(lock, [&s] { return s.error || s.produced > s.consumed; });
  s.wait_seconds +=
      std::chrono::duration<double>(std::chrono::steady_clock::now() - wait_start).count();
  // Batches finished before a failure are still delivered; the failure surfaces in their place.
  if (s.produced == s.consumed) std::rethrow_exception(s.error);
  const Slot& slot = s.slots[s.consumed % kSlots];
  batch = Batch{slot.images.data(), slot.labels.data(), slot.count,       slot.index,
                s.opts.batch_size,  kChannels,           s.opts.height, s.opts.width};
  ++s.consumed;
  s.caller_holds_slot = true;
  return true;
}

double BatchLoader::take_wait_seconds() { return std::exchange(impl_->wait_seconds, 0.0); }

}  // namespace relunet
