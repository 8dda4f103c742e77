// bucketed_mean.hpp — data-parallel averaging of a fixed set of float buffers over the ranks,
// with MPI_Allreduce on fused buckets (as PyTorch DDP: a few large messages instead of one per
// tensor), then a division by the rank count.
//
// The trainer averages the gradients after every backward pass: each rank's gradient is that of
// its mean loss over batch/N images, so their mean is the gradient of the mean loss over the
// global batch and every rank takes the step one process would take on the whole batch. It
// also averages the batch-norm running statistics after every step (see README, "Training on
// several machines").
#pragma once

#include <cstddef>
#include <vector>

#include <oneapi/dnnl/dnnl.hpp>

#include "dist/communicator.hpp"
#include "layers/layer.hpp"

namespace relunet {

class BucketedMean {
 public:
  static constexpr size_t kBucketBytes = size_t(25) << 20;  // DDP's default bucket size
  BucketedMean(std::vector<dnnl::memory> buffers, Communicator& comm,
               size_t bucket_bytes = kBucketBytes);
  // Replaces every buffer by its mean over the ranks; does nothing with one rank.
  void average();
  size_t bytes() const { return bytes_; }             // reduced per call
  size_t buckets() const { return buckets_.size(); }  // MPI_Allreduce calls per call
  // Seconds spent in average() since the last call.
  double take_seconds();

 private:
  struct Bucket {
    std::vector<dnnl::memory> buffers;
    size_t bytes = 0;
  };
  Communicator& comm_;
  std::vector<Bucket> buckets_;
  std::vector<float> staging_;  // one bucket's buffers, packed
  size_t bytes_ = 0;
  double seconds_ = 0;
};

// The gradients of the trainable parameters among `params`: what gradient averaging works on.
std::vector<dnnl::memory> gradients_of(const std::vector<Param*>& params);

}  // namespace relunet
