#include "dist/bucketed_mean.hpp"

#include <algorithm>
#include <chrono>
#include <cstring>
#include <utility>

#include "core/memory.hpp"
#include "layers/layer.hpp"

namespace relunet {
namespace {

size_t bytes_of(const dnnl::memory& m) { return m.get_desc().get_size(); }

}  // namespace

BucketedMean::BucketedMean(std::vector<dnnl::memory> buffers, Communicator& comm, size_t bucket_bytes)
    : comm_(comm) {
  // Consecutive buffers share a bucket until it would pass bucket_bytes; a larger buffer is a
  // bucket of its own, reduced in place without a copy.
  size_t largest = 0;
  for (dnnl::memory& m : buffers) {
    const size_t bytes = bytes_of(m);
    bytes_ += bytes;
    if (buckets_.empty() || buckets_.back().bytes + bytes > bucket_bytes) buckets_.emplace_back();
    buckets_.back().buffers.push_back(std::move(m));
    buckets_.back().bytes += bytes;
    if (buckets_.back().buffers.size() > 1) largest = std::max(largest, buckets_.back().bytes);
  }
  if (comm_.size() > 1) staging_.resize(largest / sizeof(float));
}

void BucketedMean::average() {
  if (comm_.size() == 1) return;
  const auto start = std::chrono::steady_clock::now();
  const float scale = 1.f / float(comm_.size());
  for (const Bucket& bucket : buckets_) {
    const size_t count = bucket.bytes / sizeof(float);
    const bool alone = bucket.buffers.size() == 1;
    float* packed = alone ? data_of(bucket.buffers[0]) : staging_.data();
    if (!alone) {
      float* to = packed;
      for (const dnnl::memory& m : bucket.buffers) {
        std::memcpy(to, data_of(m), bytes_of(m));
        to += bytes_of(m) / sizeof(float);
      }
    }
    comm_.allreduce(packed, count, ReduceOp::Sum);
    for (size_t i = 0; i < count; ++i) packed[i] *= scale;
    if (!alone) {
      const float* from = packed;
      for (const dnnl::memory& m : bucket.buffers) {
        std::memcpy(data_of(m), from, bytes_of(m));
        from += bytes_of(m) / sizeof(float);
      }
    }
  }
  seconds_ += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

double BucketedMean::take_seconds() { return std::exchange(seconds_, 0.0); }

std::vector<dnnl::memory> gradients_of(const std::vector<Param*>& params) {
  std::vector<dnnl::memory> grads;
  for (const Param* p : params)
    if (p->trainable()) grads.push_back(p->grad);
  return grads;
}

}  // namespace relunet
