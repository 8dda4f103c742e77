#include "train/trainer.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <thread>
#include <utility>

#include <spdlog/spdlog.h>

#include "data/data_source.hpp"
#include "dist/bucketed_mean.hpp"
#include "dist/communicator.hpp"
#include "dist/reduce_counters.hpp"
#include "dist/replicas.hpp"
#include "net/batch_input.hpp"
#include "net/initialization.hpp"
#include "net/layer_table.hpp"
#include "net/network_state.hpp"
#include "net/patch_whitening.hpp"
#include "stats/gradient_flow.hpp"
#include "stats/unit_history.hpp"
#include "train/budget_plan.hpp"
#include "train/evaluate.hpp"
#include "train/fine_tune.hpp"
#include "train/interrupt.hpp"
#include "train/metrics_log.hpp"
#include "train/option_checks.hpp"
#include "train/progress.hpp"
#include "train/resume_checks.hpp"
#include "train/run_checkpoint.hpp"
#include "train/run_lock.hpp"
#include "train/run_state.hpp"
#include "train/test_hooks.hpp"
#include "train/training_step.hpp"

namespace relunet {
namespace {

using Clock = std::chrono::steady_clock;
double seconds_since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

// Seconds per training step and per inference batch (medians, robust to a busy moment), timed
// on one batch with the run's own step, without its update.
struct StepTimes {
  double train = 0, infer = 0;
};
StepTimes time_steps(Network& net, TrainingStep& step, BatchLoader& loader) {
  Batch batch;
  loader.start_epoch(0);
  loader.next(batch);
  load_batch(net, batch);
  const auto median_seconds = [](int warmup, int runs, const auto& work) {
    for (int i = 0; i < warmup; ++i) work();  // first touch of buffers, JIT code
    std::vector<double> times;
    for (int i = 0; i < runs; ++i) {
      const auto start = Clock::now();
      work();
      times.push_back(seconds_since(start));
    }
    std::nth_element(times.begin(), times.begin() + runs / 2, times.end());
    return times[runs / 2];
  };
  StepTimes t;
  t.train = median_seconds(2, 7, [&] {
    step.forward(batch.labels, batch.count, 0);
    step.backward();
  });
  t.infer = median_seconds(1, 5, [&] { net.forward(Pass::inference()); });
  return t;
}

int64_t epochs_of(int64_t steps, int64_t steps_per_epoch) {
  return (steps + steps_per_epoch - 1) / steps_per_epoch;
}

// The patch statistics of the first kWhiteningImages training images, as the network sees them.
PatchMoments patch_moments(const Dataset& data, const std::vector<size_t>& train_idx,
                           const Normalization& norm, const ModelSpec& spec) {
  const std::vector<size_t> sample(train_idx.begin(),
                                   train_idx.begin() + std::min<size_t>(train_idx.size(), kWhiteningImages));
  const int h = int(spec.input.h), w = int(spec.input.w);
  BatchLoader loader(data, sample, norm, LoaderOptions::evaluation(500, h, w));
  PatchMoments moments(spec.input.c, spec.layers.front().kernel);
  loader.start_epoch(0);
  Batch batch;
  while (loader.next(batch)) moments.add(batch.images, batch.count, h, w);
  return moments;
}

}  // namespace

TrainResult train(const TrainRun& run) {
  namespace fs = std::filesystem;
  const auto run_start = Clock::now();  // the time budget counts start-up too
  TrainOptions opts = run.options;
  const std::string out = opts.out_dir;
  const std::string last_path = out + "/last.ckpt", best_path = out + "/best.ckpt";
  // From the start: a signal during setup is acted on once there is a state to save.
  const InterruptGuard interrupt;
  // Data-parallel: every rank runs this function; rank 0 (the leader) alone writes the run
  // directory, and the ranks agree on everything else through collective operations.
  Communicator& comm = world();
  const int ranks = comm.size();
  const bool leader = comm.rank() == 0;
  const auto refuse_existing_run = [&] {
    if (fs::exists(last_path))
      throw std::runtime_error(out + " already holds a run (" + last_path +
                               "): continue it with --resume, or choose another --out");
  };
  std::optional<Checkpoint> resumed;
  std::optional<RunDirectoryLock> claim;  // held until the run ends
  RunState state;
  if (run.resume) {
    if (!fs::exists(last_path))
      throw std::runtime_error("cannot resume: " + last_path + " does not exist");
    if (leader) claim.emplace(out);
    resumed = load_checkpoint(last_path);
    decode_train_state(*resumed, last_path, [&](const nlohmann::json& j) {
      opts = train_options_from_json(j.at("options"));
      state = state_from_json(j);
      check_state(state, opts);
    });
    opts.out_dir = out;
    reject_changed_options(run, opts, last_path);
  } else {
    refuse_existing_run();
  }
  check_ranks(opts, state, resumed.has_value(), ranks, last_path);
  state.ranks = ranks;

  const auto train_data = open_dataset(run.data_dir, SplitName::Train);
  std::optional<Pretrained> pretrained;
  if (!resumed && !opts.init_from.empty())
    pretrained = load_pretrained(opts.init_from, int64_t(train_data->class_names().size()), opts.freeze_before);
  ModelSpec spec = resumed      ? parse_model(resumed->model_json, last_path)
                   : pretrained ? pretrained->spec
                                : load_model(opts.model, run.models_dir);
  if (resumed) check_activation(spec, opts, last_path);
  if (!resumed && opts.activation) override_activation(spec, *opts.activation);

  if (static_cast<int64_t>(train_data->class_names().size()) != spec.classes)
    throw std::runtime_error("the data set in " + run.data_dir + " has " +
                             std::to_string(train_data->class_names().size()) +
                             " classes but the model " +
                             (resumed ? "of " + last_path : opts.model) + " has " +
                             std::to_string(spec.classes));
  const bool carves_val = carves_validation(*train_data);
  const bool val_size_given =
      std::any_of(run.given_options.begin(), run.given_options.end(),
                  [](const GivenOption& g) { return g.flag == "--val-size"; });
  if (!carves_val && val_size_given)
    throw std::runtime_error("--val-size does not apply: the image folder " + run.data_dir +
                             " has its own val/ folder, which is the validation split");
  if (carves_val && static_cast<size_t>(opts.val_size) >= train_data->size())
    throw std::runtime_error("--val-size " + std::to_string(opts.val_size) +
                             " leaves no training images: the data set in " + run.data_dir +
                             " has " + std::to_string(train_data->size()));
  const auto train_idx = split_indices(*train_data, SplitName::Train, opts.val_size, opts.seed);
  const auto val_idx = split_indices(*train_data, SplitName::Val, opts.val_size, opts.seed);
  if (train_idx.size() < static_cast<size_t>(opts.batch))
    throw std::runtime_error("--batch " + std::to_string(opts.batch) + " is more than the " +
                             std::to_string(train_idx.size()) + " training images in " +
                             run.data_dir + (carves_val ? " (after --val-size)" : ""));
  if (resumed)  // a training epoch is every whole batch of the training split
    check_partial_epoch(state.partial, spec, int64_t(train_idx.size()) / opts.batch, opts.unit_stats, last_path);
  // Fine-tuning keeps the normalisation the pretrained weights were trained with.
  const Normalization norm = resumed      ? resumed->norm
                             : pretrained ? pretrained->checkpoint.norm
                                          : compute_normalization(*train_data, train_idx);
  if (resumed) {
    spdlog::info("resuming {} in epoch {} after batch {} (step {})", last_path, state.epoch + 1,
                 state.partial.batch, state.step);
  } else {
    // A bad validation image fails the run now, before anything is written, instead of at the
    // first validation (the normalisation pass has decoded every training image).
    for (size_t i : val_idx) train_data->image(i);
  }

  // Each rank's part of every batch (check_ranks: it divides).
  const int batch_size = static_cast<int>(opts.batch / ranks);
  auto train_lo = LoaderOptions::training(batch_size, int(spec.input.h), int(spec.input.w), opts.augment, opts.seed);
  auto val_lo = LoaderOptions::evaluation(batch_size, int(spec.input.h), int(spec.input.w));
  train_lo.shard = val_lo.shard = comm.rank();
  train_lo.shards = val_lo.shards = ranks;
  BatchLoader train_loader(*train_data, train_idx, norm, train_lo);
  BatchLoader val_loader(*train_data, val_idx, norm, val_lo);
  const int64_t steps_per_epoch = train_loader.batches_per_epoch();

  Context ctx;
  Network net(spec, batch_size, true, opts.seed, ctx);
  SoftmaxCrossEntropy loss(net.logits(), net.logits_grad(), opts.label_smoothing);
  // Validation loss is plain cross-entropy, comparable across runs and with `relunet eval`.
  SoftmaxCrossEntropy val_loss(net.logits(), net.logits_grad(), 0.f);
  Sgd sgd(trainable_params(net, opts.freeze_before), opts.sgd);
  // Over the steps this process ran of each epoch (a run resumed mid-epoch: those after the resume).
  GradientFlow gradient_flow(net, sgd.params(), opts.gradient_stats);
  spdlog::info("model {}: {} layers; {} training and {} validation images; batch {}; {} threads{}",
               spec.name, spec.layers.size(), train_idx.size(), val_idx.size(), opts.batch,
               max_threads(),
               ranks > 1 ? fmt::format(" in each of {} processes ({} images each per batch)", ranks, batch_size)
                         : "");
  spdlog::info("layers:\n{}", layer_table(spec));

  if (state.total_steps <= 0) state.total_steps = state.epochs_total * steps_per_epoch;
  if (state.total_steps > state.epochs_total * steps_per_epoch)
    throw std::runtime_error(fmt::format("{}: total_steps {} is more than epochs_total {} x {} steps per epoch",
                                         last_path, state.total_steps, state.epochs_total, steps_per_epoch));
  const double elapsed_before = state.elapsed_seconds;
  const auto elapsed = [&] { return elapsed_before + seconds_since(run_start); };
  std::optional<BudgetPlan> plan;
  const auto final_views = int64_t(tta_views(opts.tta).size());
  // The run's total steps from its time budget and the latest speeds.
  const auto plan_steps = [&] {
    state.total_steps = plan->total_steps({elapsed(), state.step, state.speed.step_seconds,
                                           state.speed.epoch_end_seconds,
                                           state.speed.val_seconds * double(final_views - 1)});
    comm.broadcast(&state.total_steps, sizeof state.total_steps);  // rank 0's clock decides
    state.epochs_total = epochs_of(state.total_steps, steps_per_epoch);
  };
  if (opts.time_budget_minutes > 0)
    plan.emplace(opts.time_budget_minutes * 60, steps_per_epoch, opts.epochs * steps_per_epoch);
  if (!resumed) {
    state.epochs_total = opts.epochs;
    state.total_steps = opts.epochs * steps_per_epoch;
    if (plan) {
      // Time with real weights: uninitialised memory can hold denormals, which are slow.
      initialize_params(net, opts.seed);
      TrainingStep timed(net, loss, sgd, gradient_flow);
      const StepTimes t = time_steps(net, timed, train_loader);
      const double val_seconds = t.infer * double(val_loader.batches_per_epoch());
      state.speed = {t.train, val_seconds, val_seconds};
      plan_steps();
      spdlog::info("time budget {:.1f} min: ~{:.3g} s per step -> {} steps ({} epochs)",
                   opts.time_budget_minutes, t.train, state.total_steps, state.epochs_total);
    }
    initialize_params(net, opts.seed);  // again after timing, which moved batch-norm statistics
    if (pretrained) {
      apply_pretrained(net, *pretrained);
    } else if (has_patch_whitening(spec)) {  // timed by the run's clock, so part of its budget
      const auto start = Clock::now();
      whiten_first_layer(net, patch_moments(*train_data, train_idx, norm, spec));
      spdlog::info("patch whitening: statistics of {} training images in {:.1f} s",
                   std::min<size_t>(train_idx.size(), kWhiteningImages), seconds_since(start));
    }
  }
  nlohmann::json gradients_at_init;  // the first step's, of a run that starts from its initialisation
  WeightAverage average(net.params(), opts.average);
  // The learning-rate schedule and the weight average follow the plan's progress.
  LrSchedule schedule(opts.schedule, state.total_steps, steps_per_epoch);
  const auto replan = [&] {
    plan_steps();
    schedule = LrSchedule(opts.schedule, state.total_steps, steps_per_epoch);
  };
  if (resumed) {
    const std::vector<NamedTensor> live = take_live_weights(resumed->optimizer);
    import_params(net, resumed->params, last_path);
    import_optimizer(sgd, resumed->optimizer, ctx.stream, last_path);
    import_live_weights(average, live, ctx.stream, last_path);
  }
  // Every rank starts from rank 0's state. Checked first: the broadcast copies raw buffers.
  check_same_layouts(comm, net.params());
  {
    std::vector<dnnl::memory> state_buffers;
    for (const Param* p : net.params()) state_buffers.push_back(p->value);
    for (const dnnl::memory& v : sgd.velocity()) state_buffers.push_back(v);
    broadcast_buffers(comm, state_buffers);
  }
  BucketedMean gradients(gradients_of(sgd.params()), comm);
  // Batch-norm running statistics: each rank's come from its part of the batch; their mean after
  // every step keeps the ranks alike (and the running means equal one process's).
  std::vector<dnnl::memory> running_stats;
  for (const Param* p : net.params())
    if (!p->trainable()) running_stats.push_back(p->value);
  BucketedMean batch_statistics(running_stats, comm);
  TrainingStep step(net, loss, sgd, gradient_flow, &gradients, &batch_statistics);

  // Every input has been checked: only now does the run directory come into existence. Checked
  // again under the claim: another run may have started in it since.
  if (leader && !claim) {
    claim.emplace(out);
    refuse_existing_run();
  }
  std::optional<MetricsLog> metrics;
  if (leader) metrics.emplace(out + "/metrics.jsonl", state.epoch);
  // A checkpoint's parameters are the weights evaluation uses: the average, once there is one.
  const auto save = [&](const std::string& path, bool with_optimizer) {
    if (!leader) return;
    Checkpoint c = [&] {
      const AveragedWeights averaged(average);
      return checkpoint_of(net, norm, train_data->class_names());
    }();
    c.train_state_json = state_json(opts, state).dump();
    if (with_optimizer) {
      c.optimizer = export_optimizer(sgd, ctx.stream);
      if (average.active())
        for (NamedTensor& t : export_live_weights(net)) c.optimizer.push_back(std::move(t));
    }
    save_checkpoint(c, path);
  };

  const TestSlowdown slowdown = test_slowdown();
  const bool check_replicas = test_check_replicas();
  const int64_t first_step = state.step;
  // Plans made within an epoch: about ten, from the speed of the steps since the last one.
  const int64_t replan_every = std::max<int64_t>(3, steps_per_epoch / 10);
  // The ranks stop together: at each safe point they agree on the signal any of them received.
  // A vote is one count per signal (kInterruptSignals), summed over the ranks; after every step it
  // travels with the loss sums, in the same allreduce.
  int stop_signal = 0;
  const auto vote = [&](double* votes) {
    for (size_t i = 0; i < std::size(kInterruptSignals); ++i)
      votes[i] = interrupt.signal_number() == kInterruptSignals[i] ? 1.0 : 0.0;
  };
  const auto count_votes = [&](const double* votes) {
    for (size_t i = 0; i < std::size(kInterruptSignals); ++i)
      if (votes[i] > 0) stop_signal = kInterruptSignals[i];
    return stop_signal != 0;
  };
  const auto agree_on_stop = [&] {
    double votes[std::size(kInterruptSignals)];
    vote(votes);
    comm.allreduce(votes, std::size(kInterruptSignals), ReduceOp::Sum);
    return count_votes(votes);
  };
  const auto interrupted = [&](int64_t epoch) {
    const std::string where = state.partial.batch > 0
                                  ? "epoch " + std::to_string(epoch) + ", batch " +
                                        std::to_string(state.partial.batch) + "/" +
                                        std::to_string(steps_per_epoch)
                              : state.epoch == 0 ? "the start of epoch 1"
                                                 : "the end of epoch " + std::to_string(state.epoch);
    TrainResult result;
    result.status = TrainStatus::Interrupted;
    result.best_val_accuracy = state.best_val_accuracy;
    result.signal = stop_signal;
    result.message = std::string(signal_name(stop_signal)) + ": stopped at " + where + "; " + last_path +
                     " is saved; continue with: " +
                     (ranks > 1 ? fmt::format("mpirun -np {} ", ranks) : std::string()) +
                     "relunet train --out " + out + " --data " + run.data_dir + " --resume";
    return result;
  };
  if (agree_on_stop()) {  // during setup
    save(last_path, true);
    return interrupted(state.epoch + 1);
  }
  while (state.step < state.total_steps) {
    const int64_t epoch = state.epoch + 1;  // 1-based for people
    auto& part = state.partial;  // resumed mid-epoch: the batches already done
    enable_unit_stats(net, opts.unit_stats);
    // The epoch's counters so far are of every rank's images: rank 0 carries them on.
    if (opts.unit_stats && part.batch > 0 && leader)
      for (size_t i = 0; i < net.activations().size(); ++i)
        net.activations()[i]->counters() = part.units.at(i);
    gradient_flow.reset();
    const auto epoch_start = Clock::now();
    const int64_t seen_before = part.seen;
    float lr = schedule.at(state.step);
    Progress progress("epoch " + std::to_string(epoch), steps_per_epoch);
    train_loader.start_epoch(state.epoch, part.batch);
    train_loader.take_wait_seconds();
    const int64_t epochs_planned = state.epochs_total;
    auto window_start = Clock::now();
    int64_t window_step = state.step;
    // The speed since the window started, half-weighted with the speed before it (one busy
    // moment moves the plan only so much), then a new window.
    const auto measure_steps = [&] {
      if (state.step == window_step) return;
      const double now = seconds_since(window_start) / double(state.step - window_step);
      const double before = state.speed.step_seconds;
      state.speed.step_seconds = before > 0 ? 0.5 * (before + now) : now;
      window_start = Clock::now();
      window_step = state.step;
    };
    Batch batch;
    while (state.step < state.total_steps && train_loader.next(batch)) {
      const auto step_start = Clock::now();
      load_batch(net, batch);
      const LossResult r = step.forward(batch.labels, batch.count, static_cast<uint64_t>(state.step));
      // The whole batch's sums, so that every rank sees a divergence at once, and the stop vote.
      double sums[3 + std::size(kInterruptSignals)] = {r.loss_sum, double(r.correct), double(batch.count)};
      vote(sums + 3);
      comm.allreduce(sums, std::size(sums), ReduceOp::Sum);
      count_votes(sums + 3);
      if (!std::isfinite(sums[0]))
        throw std::runtime_error(fmt::format(
            "training diverged: the loss is {} at epoch {}, batch {}; try a lower learning rate "
            "than --lr {:g}{}",
            sums[0], epoch, batch.index + 1, opts.schedule.lr,
            fs::exists(last_path) ? " (the last good checkpoint, " + last_path + ", is kept)" : ""));
      step.backward();
      test_fail_rank(comm.rank(), state.step);
      lr = schedule.at(state.step);
      step.update(lr);
      if (state.step == 0 && gradient_flow.enabled())
        for (const auto& g : gradient_flow.report()) gradients_at_init.push_back(to_json(g));
      ++state.step;
      if (check_replicas) check_identical_values(comm, net.params(), state.step);
      average.after_step(state.step, state.epoch, schedule.total_steps());
      if (slowdown.epoch > 0 && epoch >= slowdown.epoch)
        std::this_thread::sleep_for(std::max<Clock::duration>(
            Clock::now() - step_start, std::chrono::duration_cast<Clock::duration>(
                                           std::chrono::duration<double>(slowdown.min_step_seconds))));
      part.batch = batch.index + 1;
      part.loss_sum += sums[0];
      part.correct += int64_t(sums[1]);
      part.seen += int64_t(sums[2]);
      if (plan && part.batch % replan_every == 0 && part.batch < steps_per_epoch) {
        measure_steps();
        replan();
      }
      if (progress.due(part.batch))
        progress.update(part.batch, fmt::format("loss {:.4f} acc {:.2f}%", part.loss_sum / part.seen,
                                                100.0 * part.correct / part.seen));
      // The epoch ends at its last batch or where the plan ends; an interruption there is
      // reported after the epoch's validation and checkpoint instead.
      if (stop_signal && part.batch < steps_per_epoch && state.step < state.total_steps) {
        progress.finish();
        part.units.clear();
        for (auto* act : net.activations()) {
          part.units.push_back(act->counters());
          reduce_unit_counters(comm, part.units.back());
        }
        state.elapsed_seconds = elapsed();
        save(last_path, true);
        return interrupted(epoch);
      }
    }
    progress.finish();
    if (plan) measure_steps();
    const auto epoch_end_start = Clock::now();
    average.end_epoch();
    const double loss_sum = part.loss_sum;
    const int64_t correct = part.correct, seen = part.seen;
    const int64_t seen_now = seen - seen_before;
    part = {};
    const double train_seconds = seconds_since(epoch_start);
    const double data_wait = train_loader.take_wait_seconds();
    for (auto* act : net.activations()) reduce_unit_counters(comm, act->counters());
    const auto train_units = unit_reports(net, opts.near_dead);

    EvalResult val;
    std::vector<LayerUnitReport> val_units;
    // The run's last validation sees the test-time augmentation the recipe asks for.
    const bool last = state.step >= state.total_steps;
    const TtaMode val_tta = last ? opts.tta : TtaMode::None;
    if (!val_idx.empty()) {
      const AveragedWeights averaged(average);
      const auto val_start = Clock::now();
      val = evaluate(net, val_loss, val_loader, opts.unit_stats, "validation", val_tta);
      sum_over_ranks(val, comm);  // each rank evaluated its shard
      for (auto* act : net.activations()) reduce_unit_counters(comm, act->counters());
      if (!last) state.speed.val_seconds = seconds_since(val_start);
      val_units = unit_reports(net, opts.near_dead);
    }
    const auto& tracked_units = val_idx.empty() ? train_units : val_units;
    std::vector<LayerTransitions> unit_changes;
    if (opts.unit_stats) unit_changes = state.unit_history.update(epoch, tracked_units);
    state.epoch = epoch;
    state.elapsed_seconds = elapsed();
    const bool best = val.accuracy > state.best_val_accuracy;
    if (best) {
      state.best_val_accuracy = val.accuracy;
      state.best_epoch = epoch;
    }

    nlohmann::json m = {{"epoch", epoch},
                        {"step", state.step},
                        {"lr", lr},
                        {"train_loss", loss_sum / seen},
                        {"train_accuracy", double(correct) / seen},
                        {"images_per_second", seen_now / train_seconds},
                        {"epoch_seconds", seconds_since(epoch_start)},
                        {"data_wait_seconds", data_wait},
                        {"elapsed_seconds", state.elapsed_seconds}};
    if (plan) m["planned_steps"] = state.total_steps;
    if (!val_idx.empty()) {
      m["val_loss"] = val.loss;
      m["val_accuracy"] = val.accuracy;
      m["val_tta"] = to_string(val_tta);
    }
    if (opts.unit_stats) {
      for (const auto& u : train_units) m["units"]["train"].push_back(to_json(u));
      for (const auto& u : val_units) m["units"]["val"].push_back(to_json(u));
      m["units"]["changes"] = to_json(unit_changes);
    }
    if (opts.gradient_stats) {
      m["gradients"] = nlohmann::json::array();
      for (const auto& g : gradient_flow.report()) m["gradients"].push_back(to_json(g));
      if (!gradients_at_init.is_null()) m["gradients_at_init"] = std::exchange(gradients_at_init, nullptr);
    }
    if (metrics) metrics->append(m);
    save(last_path, true);
    if (best) save(best_path, false);

    std::string units_text;
    if (opts.unit_stats) {
      units_text = ", " + dead_units_summary(tracked_units);
      const std::string changed = transitions_summary(unit_changes);
      if (!changed.empty()) units_text += " " + changed;
    }
    spdlog::info("epoch {}/{}: train loss {:.4f} acc {:.2f}% | val loss {:.4f} acc {:.2f}%{} | lr {:.4g} | "
                 "{:.0f} img/s | {:.0f}s{}",
                 epoch, state.epochs_total, loss_sum / seen, 100.0 * correct / seen, val.loss,
                 100.0 * val.accuracy, best ? " *" : "", lr, seen_now / train_seconds,
                 state.elapsed_seconds, units_text);
    if (plan && !last) {
      state.speed.epoch_end_seconds = seconds_since(epoch_end_start);
      replan();
      if (state.epochs_total != epochs_planned)
        spdlog::info("time budget: {:.3g} s per step, {:.3g} s per epoch end -> {} epochs ({} "
                     "steps) instead of {}",
                     state.speed.step_seconds, state.speed.epoch_end_seconds, state.epochs_total,
                     state.total_steps, epochs_planned);
    }
    // The last epoch too: the signal is reported, not dropped.
    if (agree_on_stop()) return interrupted(epoch);
    if (opts.stop_at_train_accuracy > 0 && double(correct) / seen >= opts.stop_at_train_accuracy &&
        !last) {
      spdlog::info("training accuracy reached {:.2f}% (target {:.2f}%) at epoch {}; stopping",
                   100.0 * correct / seen, 100.0 * opts.stop_at_train_accuracy, epoch);
      break;
    }
  }
  if (check_replicas)
    spdlog::info("replicas: the {} ranks held bitwise-identical parameters after each of {} steps",
                 ranks, state.step - first_step);
  spdlog::info("done: best validation accuracy {:.2f}% at epoch {}; checkpoints in {}",
               100.0 * state.best_val_accuracy, state.best_epoch, out);
  TrainResult result;
  result.best_val_accuracy = state.best_val_accuracy;
  return result;
}

}  // namespace relunet
