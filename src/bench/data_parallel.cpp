#include "bench/data_parallel.hpp"

#include <stdexcept>
#include <string>
#include <vector>

#include <spdlog/spdlog.h>

#include "bench/bench_networks.hpp"
#include "bench/measure.hpp"
#include "core/context.hpp"
#include "dist/bucketed_mean.hpp"
#include "dist/replicas.hpp"

namespace relunet {

DataParallelResult run_data_parallel_bench(const ModelSpec& spec, const BenchOptions& o,
                                           Communicator& comm) {
  DataParallelResult r;
  r.model = spec.name;
  r.ranks = comm.size();
  r.threads = max_threads();
  r.batch = o.batch;
  if (o.batch % r.ranks != 0)
    throw std::invalid_argument("bench: --batch " + std::to_string(o.batch) + " does not divide among the " +
                                std::to_string(r.ranks) + " processes; use a multiple of " +
                                std::to_string(r.ranks));
  r.rank_batch = o.batch / r.ranks;
  Context ctx;
  SyntheticTraining training(spec, r.rank_batch, o.seed + uint64_t(comm.rank()), ctx);
  Network& net = training.net();
  net.set_valid_images(r.rank_batch);
  check_same_layouts(comm, net.params());
  BucketedMean gradients(gradients_of(net.params()), comm);
  r.allreduce_bytes = int64_t(gradients.bytes());
  r.allreduce_calls = int64_t(gradients.buckets());
  TrainingStep alone_step = training.step();  // without the gradients' mean over the ranks
  TrainingStep together = training.averaging(gradients);
  const float lr = SyntheticTraining::learning_rate();
  const auto compute = [&](TrainingStep& step) {
    step.forward(training.random_labels(), r.rank_batch, training.next_step_number());
    step.backward();
  };

  // The baseline: rank 0's step without communication while the other ranks wait.
  spdlog::info("rank 0 alone, batch {}: {} x {} steps", r.rank_batch, o.repeats, o.iters);
  std::vector<double> alone;
  if (comm.rank() == 0) {
    for (int w = 0; w < o.warmup; ++w) compute(alone_step);
    for (int rep = 0; rep < o.repeats; ++rep) {
      const double seconds = seconds_of([&] {
        for (int i = 0; i < o.iters; ++i) {
          compute(alone_step);
          alone_step.update(lr);
        }
      });
      alone.push_back(double(r.rank_batch) * o.iters / seconds);
    }
    r.alone_images_per_second = median(alone);
  }
  comm.broadcast(&r.alone_images_per_second, sizeof r.alone_images_per_second);

  spdlog::info("{} ranks together, batch {} ({} each): {} x {} steps", r.ranks, r.batch, r.rank_batch,
               o.repeats, o.iters);
  // A barrier before the allreduce separates the wait for the slowest rank (other load on its
  // cores, uneven work) from the time the reduction itself takes.
  double wait_seconds = 0;
  const auto data_parallel_step = [&] {
    compute(together);
    wait_seconds += seconds_of([&] { comm.reduced(0.0, ReduceOp::Sum); });
    together.update(lr);  // the gradients' mean over the ranks, then the SGD step
  };
  for (int w = 0; w < o.warmup; ++w) data_parallel_step();
  std::vector<double> step_seconds, allreduce_seconds, waits;
  for (int rep = 0; rep < o.repeats; ++rep) {
    // Every rank starts the block together, so that rank 0's clock times the whole job's steps.
    comm.reduced(0.0, ReduceOp::Sum);
    gradients.take_seconds();
    wait_seconds = 0;
    const double seconds = seconds_of([&] {
      for (int i = 0; i < o.iters; ++i) data_parallel_step();
    });
    step_seconds.push_back(seconds / o.iters);
    allreduce_seconds.push_back(gradients.take_seconds() / o.iters);
    waits.push_back(wait_seconds / o.iters);
  }
  r.step_seconds = median(step_seconds);
  r.allreduce_seconds = median(allreduce_seconds);
  r.wait_seconds = median(waits);
  r.allreduce_percent = 100.0 * r.allreduce_seconds / r.step_seconds;
  r.images_per_second = double(r.batch) / r.step_seconds;
  r.scaling_efficiency = r.images_per_second / (r.ranks * r.alone_images_per_second);
  return r;
}

nlohmann::json to_json(const DataParallelResult& r) {
  return {{"model", r.model},
          {"ranks", r.ranks},
          {"threads", r.threads},
          {"batch", r.batch},
          {"rank_batch", r.rank_batch},
          {"train_images_per_second", r.images_per_second},
          {"step_seconds", r.step_seconds},
          {"allreduce_seconds", r.allreduce_seconds},
          {"allreduce_percent", r.allreduce_percent},
          {"wait_seconds", r.wait_seconds},
          {"allreduce_bytes", r.allreduce_bytes},
          {"allreduce_calls", r.allreduce_calls},
          {"alone_images_per_second", r.alone_images_per_second},
          {"scaling_efficiency", r.scaling_efficiency}};
}

std::string format_report(const DataParallelResult& r) {
  std::string text = fmt::format("{}, batch {} over {} ranks ({} each), {} threads per rank\n", r.model,
                                 r.batch, r.ranks, r.rank_batch, r.threads);
  const auto line = [&](const std::string& what, const std::string& value) {
    text += fmt::format("  {:<32} {}\n", what, value);
  };
  line("data-parallel training", fmt::format("{:9.1f} img/s  ({:.4f} s per step)", r.images_per_second,
                                             r.step_seconds));
  line("allreduce per step", fmt::format("{:9.4f} s  ({:.1f}% of the step; {:.1f} MB in {} calls)",
                                         r.allreduce_seconds, r.allreduce_percent,
                                         1e-6 * double(r.allreduce_bytes), r.allreduce_calls));
  line("waiting for the slowest rank", fmt::format("{:9.4f} s per step", r.wait_seconds));
  line(fmt::format("rank 0 alone, batch {}", r.rank_batch),
       fmt::format("{:9.1f} img/s", r.alone_images_per_second));
  line("scaling efficiency", fmt::format("{:9.1f} %  (of {} x the rank alone)", 100.0 * r.scaling_efficiency,
                                         r.ranks));
  return text;
}

}  // namespace relunet
