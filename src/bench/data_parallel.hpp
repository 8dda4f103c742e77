// data_parallel.hpp — `relunet bench` under an MPI launcher: the data-parallel training step
// (each rank's part of the batch forward and backward, the gradients averaged over the ranks,
// the SGD update) on random data, with the time spent in MPI_Allreduce, the time spent waiting
// for the slowest rank, and the scaling efficiency against rank 0 running the same per-rank
// step alone.
#pragma once

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "bench/benchmark.hpp"
#include "dist/communicator.hpp"

namespace relunet {

struct DataParallelResult {
  std::string model;
  int ranks = 1, threads = 0;  // threads per rank
  int64_t batch = 0, rank_batch = 0;  // global batch and each rank's part
  double images_per_second = 0;  // of the global batch, all ranks stepping together
  double step_seconds = 0;       // per step
  double allreduce_seconds = 0;  // per step, in gradient averaging (copies included)
  double allreduce_percent = 0;  // of the step
  double wait_seconds = 0;       // per step, in a barrier before the allreduce: the slowest rank
  int64_t allreduce_bytes = 0;   // gradients summed per step
  int64_t allreduce_calls = 0;   // buckets per step
  // Rank 0 alone (the others waiting) at the per-rank batch: the one-process baseline.
  double alone_images_per_second = 0;
  double scaling_efficiency = 0;  // images_per_second / (ranks x alone_images_per_second)
};

// Medians over o.repeats blocks of o.iters steps after o.warmup. Throws std::invalid_argument
// when the batch does not divide among the ranks.
DataParallelResult run_data_parallel_bench(const ModelSpec& spec, const BenchOptions& o,
                                           Communicator& comm);

nlohmann::json to_json(const DataParallelResult& r);
std::string format_report(const DataParallelResult& r);

}  // namespace relunet
