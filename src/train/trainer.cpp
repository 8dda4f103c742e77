#include "train/trainer.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>

#include <spdlog/spdlog.h>

#include "data/data_source.hpp"
#include "net/initialization.hpp"
#include "net/layer_table.hpp"
#include "net/network_state.hpp"
#include "net/patch_whitening.hpp"
#include "stats/unit_history.hpp"
#include "train/evaluate.hpp"
#include "train/interrupt.hpp"
#include "train/metrics_log.hpp"
#include "train/progress.hpp"
#include "train/run_checkpoint.hpp"

namespace relunet {
namespace {

using Clock = std::chrono::steady_clock;
double seconds_since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

// Where a run stands; saved in every checkpoint next to the options.
struct RunState {
  int64_t epoch = 0;   // epochs completed
  int64_t step = 0;    // optimiser steps taken
  int64_t epochs_total = 0;
  double best_val_accuracy = -1.0;
  int64_t best_epoch = 0;
  double elapsed_seconds = 0.0;
  UnitHistory unit_history;  // from the validation reports (training reports without a val split)
  // The epoch in progress when a run is interrupted between batches; batch 0 at epoch ends.
  struct PartialEpoch {
    int64_t batch = 0;  // batches done
    double loss_sum = 0.0;
    int64_t correct = 0, seen = 0;
    std::vector<UnitCounters> units;  // training unit counters so far, one per activation layer
  } partial;
};

nlohmann::json state_json(const TrainOptions& o, const RunState& s) {
  return {{"options", to_json(o)},
          {"epoch", s.epoch},
          {"step", s.step},
          {"epochs_total", s.epochs_total},
          {"best_val_accuracy", s.best_val_accuracy},
          {"best_epoch", s.best_epoch},
          {"elapsed_seconds", s.elapsed_seconds},
          {"unit_history", s.unit_history.to_json()},
          {"partial_epoch",
           {{"batch", s.partial.batch},
            {"loss_sum", s.partial.loss_sum},
            {"correct", s.partial.correct},
            {"seen", s.partial.seen},
            {"units", [&] {
               nlohmann::json units = nlohmann::json::array();
               for (const auto& c : s.partial.units) units.push_back(to_json(c));
               return units;
             }()}}}};
}

RunState state_from_json(const nlohmann::json& j) {
  RunState s;
  s.epoch = j.at("epoch");
  s.step = j.at("step");
  s.epochs_total = j.at("epochs_total");
  s.best_val_accuracy = j.at("best_val_accuracy");
  s.best_epoch = j.at("best_epoch");
  s.elapsed_seconds = j.at("elapsed_seconds");
  // Absent in checkpoints written before unit history existed: the history starts afresh.
  if (j.contains("unit_history"))
    s.unit_history = UnitHistory::from_json(j["unit_history"], "checkpoint train state");
  if (j.contains("partial_epoch")) {
    const auto& p = j["partial_epoch"];
    s.partial.batch = p.at("batch");
    s.partial.loss_sum = p.at("loss_sum");
    s.partial.correct = p.at("correct");
    s.partial.seen = p.at("seen");
    for (const auto& c : p.at("units"))
      s.partial.units.push_back(unit_counters_from_json(c, "checkpoint train state"));
  }
  return s;
}

// How an option's value reads on the command line.
std::string option_text(const nlohmann::json& value) {
  if (value.is_string()) return value.get<std::string>();
  if (value.is_number_float()) return fmt::format("{:g}", value.get<double>());
  return value.dump();
}

// A resumed run keeps the options it started with (`saved`): an option given again on the
// command line must have the same value.
void reject_changed_options(const TrainRun& run, const TrainOptions& saved,
                            const std::string& last_path) {
  const nlohmann::json asked = to_json(run.options), kept = to_json(saved);
  for (const GivenOption& given : run.given_options) {
    const nlohmann::json::json_pointer at(given.pointer);
    if (asked.at(at) == kept.at(at)) continue;
    const bool flag = kept.at(at).is_boolean();  // given, so the run was made without it
    throw std::runtime_error(
        last_path + " continues a run made " +
        (flag ? "without " + given.flag : "with " + given.flag + " " + option_text(kept.at(at))) +
        ": leave out " + given.flag + (flag ? "" : " " + option_text(asked.at(at))) +
        " (a resumed run keeps its options), or start a new run with another --out");
  }
}

// Seconds per training step and per inference batch (medians, robust to a busy moment), timed
// on one batch without optimiser steps.
struct StepTimes {
  double train = 0, infer = 0;
};
StepTimes time_steps(Network& net, SoftmaxCrossEntropy& loss, BatchLoader& loader) {
  Batch batch;
  loader.start_epoch(0);
  loader.next(batch);
  std::memcpy(net.input(), batch.images, net.batch() * net.spec().input.size() * sizeof(float));
  const auto median_seconds = [](int warmup, int runs, const auto& step) {
    for (int i = 0; i < warmup; ++i) step();  // first touch of buffers, JIT code
    std::vector<double> times;
    for (int i = 0; i < runs; ++i) {
      const auto start = Clock::now();
      step();
      times.push_back(seconds_since(start));
    }
    std::nth_element(times.begin(), times.begin() + runs / 2, times.end());
    return times[runs / 2];
  };
  StepTimes t;
  t.train = median_seconds(2, 7, [&] {
    net.forward(Pass{true, 0});
    loss.forward(net.context().stream, batch.labels, batch.count);
    loss.backward();
    net.backward();
  });
  t.infer = median_seconds(1, 5, [&] { net.forward(Pass{false, 0}); });
  return t;
}

// The patch statistics of the first kWhiteningImages training images, as the network sees them.
PatchMoments patch_moments(const Dataset& data, const std::vector<size_t>& train_idx,
                           const Normalization& norm, const ModelSpec& spec) {
  const std::vector<size_t> sample(train_idx.begin(),
                                   train_idx.begin() + std::min<size_t>(train_idx.size(), kWhiteningImages));
  const int h = int(spec.input.h), w = int(spec.input.w);
  BatchLoader loader(data, sample, norm, {500, h, w, {}, false, false, 0});
  PatchMoments moments(spec.input.c, spec.layers.front().kernel);
  loader.start_epoch(0);
  Batch batch;
  while (loader.next(batch)) moments.add(batch.images, batch.count, h, w);
  return moments;
}

// Epochs that fit in what is left of the budget, 3% of which is held back for start-up and
// checkpoints; at least one, at most `max_epochs`.
int64_t epochs_in_budget(double budget_seconds, double spent_seconds, double seconds_per_epoch,
                         int64_t done, int64_t max_epochs) {
  const double left = budget_seconds * 0.97 - spent_seconds;
  const auto more = static_cast<int64_t>(std::max(0.0, left / seconds_per_epoch));
  return std::clamp<int64_t>(done + more, std::max<int64_t>(done, 1), max_epochs);
}

}  // namespace

double train(const TrainRun& run) {
  namespace fs = std::filesystem;
  TrainOptions opts = run.options;
  const std::string out = opts.out_dir;
  const std::string last_path = out + "/last.ckpt", best_path = out + "/best.ckpt";
  std::optional<Checkpoint> resumed;
  RunState state;
  if (run.resume) {
    if (!fs::exists(last_path))
      throw std::runtime_error("cannot resume: " + last_path + " does not exist");
    resumed = load_checkpoint(last_path);
    decode_train_state(*resumed, last_path, [&](const nlohmann::json& j) {
      opts = train_options_from_json(j.at("options"));
      state = state_from_json(j);
    });
    opts.out_dir = out;
    reject_changed_options(run, opts, last_path);
  } else if (fs::exists(last_path)) {
    throw std::runtime_error(out + " already holds a run (" + last_path +
                             "): continue it with --resume, or choose another --out");
  }

  ModelSpec spec = resumed ? parse_model(resumed->model_json, last_path)
                           : load_model(opts.model, run.models_dir);
  if (!resumed && opts.activation) override_activation(spec, *opts.activation);

  const auto train_data = open_dataset(run.data_dir, SplitName::Train);
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
  const Normalization norm = resumed ? resumed->norm : compute_normalization(*train_data, train_idx);
  if (resumed) {
    spdlog::info("resuming {} in epoch {} after batch {} (step {})", last_path, state.epoch + 1,
                 state.partial.batch, state.step);
  } else {
    // A bad validation image fails the run now, before anything is written, instead of at the
    // first validation (the normalisation pass has decoded every training image).
    for (size_t i : val_idx) train_data->image(i);
  }

  const int batch_size = static_cast<int>(opts.batch);
  const LoaderOptions train_lo{batch_size, int(spec.input.h), int(spec.input.w), opts.augment, true, true, opts.seed};
  const LoaderOptions val_lo{batch_size, int(spec.input.h), int(spec.input.w), {}, false, false, opts.seed};
  BatchLoader train_loader(*train_data, train_idx, norm, train_lo);
  BatchLoader val_loader(*train_data, val_idx, norm, val_lo);
  const int64_t steps_per_epoch = train_loader.batches_per_epoch();

  Context ctx;
  Network net(spec, opts.batch, true, opts.seed, ctx);
  SoftmaxCrossEntropy loss(net.logits(), net.logits_grad(), opts.label_smoothing);
  // Validation loss is plain cross-entropy, comparable across runs and with `relunet eval`.
  SoftmaxCrossEntropy val_loss(net.logits(), net.logits_grad(), 0.f);
  spdlog::info("model {}: {} layers; {} training and {} validation images; batch {}; {} threads",
               spec.name, spec.layers.size(), train_idx.size(), val_idx.size(), opts.batch,
               max_threads());
  spdlog::info("layers:\n{}", layer_table(spec));

  if (!resumed) {
    state.epochs_total = opts.epochs;
    if (opts.time_budget_minutes > 0) {
      // Time with real weights: uninitialised memory can hold denormals, which are slow.
      initialize_params(net, opts.seed);
      const StepTimes t = time_steps(net, loss, train_loader);
      const double per_epoch = t.train * steps_per_epoch + t.infer * val_loader.batches_per_epoch();
      state.epochs_total = epochs_in_budget(opts.time_budget_minutes * 60, 0, per_epoch, 0, opts.epochs);
      spdlog::info("time budget {:.1f} min: ~{:.0f} s per epoch -> {} epochs",
                   opts.time_budget_minutes, per_epoch, state.epochs_total);
    }
    initialize_params(net, opts.seed);  // again after timing, which moved batch-norm statistics
    if (has_patch_whitening(spec)) {
      const auto start = Clock::now();
      whiten_first_layer(net, patch_moments(*train_data, train_idx, norm, spec));
      state.elapsed_seconds += seconds_since(start);  // part of the run, and of its time budget
      spdlog::info("patch whitening: statistics of {} training images in {:.1f} s",
                   std::min<size_t>(train_idx.size(), kWhiteningImages), state.elapsed_seconds);
    }
  }
  Sgd sgd(net.params(), opts.sgd);
  WeightAverage average(net.params(), opts.average);
  LrSchedule schedule(opts.schedule, state.epochs_total * steps_per_epoch, steps_per_epoch);
  bool refitted = resumed.has_value();
  if (resumed) {
    const std::vector<NamedTensor> live = take_live_weights(resumed->optimizer);
    import_params(net, resumed->params, last_path);
    import_optimizer(sgd, resumed->optimizer, ctx.stream, last_path);
    import_live_weights(average, live, ctx.stream, last_path);
  }

  // Every input has been checked: only now does the run directory come into existence.
  fs::create_directories(out);
  MetricsLog metrics(out + "/metrics.jsonl", state.epoch);
  // A checkpoint's parameters are the weights evaluation uses: the average, once there is one.
  const auto save = [&](const std::string& path, bool with_optimizer) {
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

  const size_t input_bytes = opts.batch * spec.input.size() * sizeof(float);
  const auto run_start = Clock::now();
  const double elapsed_before = state.elapsed_seconds;
  const InterruptGuard interrupt;
  const auto stop_if_interrupted = [&](int64_t epoch) {
    if (!interrupt.requested()) return;
    const std::string where = state.partial.batch > 0
                                  ? "epoch " + std::to_string(epoch) + ", batch " +
                                        std::to_string(state.partial.batch) + "/" +
                                        std::to_string(steps_per_epoch)
                                  : "the end of epoch " + std::to_string(state.epoch);
    throw std::runtime_error(std::string(interrupt.signal_name()) + ": stopped at " + where + "; " +
                             last_path + " is saved; continue with: relunet train --out " + out +
                             " --data " + run.data_dir + " --resume");
  };
  while (state.epoch < state.epochs_total) {
    const int64_t epoch = state.epoch + 1;  // 1-based for people
    auto& part = state.partial;  // resumed mid-epoch: the batches already done
    enable_unit_stats(net, opts.unit_stats);
    if (opts.unit_stats && part.batch > 0)
      for (size_t i = 0; i < net.activations().size(); ++i)
        net.activations()[i]->counters() = part.units.at(i);
    const auto epoch_start = Clock::now();
    const int64_t seen_before = part.seen;
    float lr = schedule.at(state.step);
    Progress progress("epoch " + std::to_string(epoch), steps_per_epoch);
    train_loader.start_epoch(state.epoch, part.batch);
    train_loader.take_wait_seconds();
    Batch batch;
    while (train_loader.next(batch)) {
      std::memcpy(net.input(), batch.images, input_bytes);
      net.set_valid_images(batch.count);
      net.forward(Pass{true, static_cast<uint64_t>(state.step)});
      const LossResult r = loss.forward(ctx.stream, batch.labels, batch.count);
      if (!std::isfinite(r.loss_sum))
        throw std::runtime_error(fmt::format(
            "training diverged: the loss is {} at epoch {}, batch {}; try a lower learning rate "
            "than --lr {:g}{}",
            r.loss_sum, epoch, batch.index + 1, opts.schedule.lr,
            fs::exists(last_path) ? " (the last good checkpoint, " + last_path + ", is kept)" : ""));
      loss.backward();
      net.backward();
      lr = schedule.at(state.step);
      sgd.step(lr);
      ++state.step;
      average.after_step(state.step, state.epoch, schedule.total_steps());
      part.batch = batch.index + 1;
      part.loss_sum += r.loss_sum;
      part.correct += r.correct;
      part.seen += batch.count;
      if (progress.due(part.batch))
        progress.update(part.batch, fmt::format("loss {:.4f} acc {:.2f}%", part.loss_sum / part.seen,
                                                100.0 * part.correct / part.seen));
      if (interrupt.requested() && part.batch < steps_per_epoch) {
        progress.finish();
        part.units.clear();
        for (auto* act : net.activations()) part.units.push_back(act->counters());
        state.elapsed_seconds = elapsed_before + seconds_since(run_start);
        save(last_path, true);
        stop_if_interrupted(epoch);
      }
    }
    progress.finish();
    average.end_epoch();
    const double loss_sum = part.loss_sum;
    const int64_t correct = part.correct, seen = part.seen;
    const int64_t seen_now = seen - seen_before;
    part = {};
    const double train_seconds = seconds_since(epoch_start);
    const double data_wait = train_loader.take_wait_seconds();
    const auto train_units = unit_reports(net, opts.near_dead);

    EvalResult val;
    std::vector<LayerUnitReport> val_units;
    // The run's last validation sees the test-time augmentation the recipe asks for.
    const TtaMode val_tta = epoch == state.epochs_total ? opts.tta : TtaMode::None;
    if (!val_idx.empty()) {
      const AveragedWeights averaged(average);
      val = evaluate(net, val_loss, val_loader, opts.unit_stats, "validation", val_tta);
      val_units = unit_reports(net, opts.near_dead);
    }
    const auto& tracked_units = val_idx.empty() ? train_units : val_units;
    std::vector<LayerTransitions> unit_changes;
    if (opts.unit_stats) unit_changes = state.unit_history.update(epoch, tracked_units);
    state.epoch = epoch;
    state.elapsed_seconds = elapsed_before + seconds_since(run_start);
    // The first epoch is the honest timing (validation included): fit the
    // epoch count again from it, while the schedule is still in its first steps.
    if (opts.time_budget_minutes > 0 && !refitted) {
      refitted = true;
      const int64_t fit = epochs_in_budget(opts.time_budget_minutes * 60, state.elapsed_seconds,
                                           state.elapsed_seconds, state.epoch, opts.epochs);
      if (fit != state.epochs_total) {
        spdlog::info("time budget: the first epoch took {:.0f} s -> {} epochs instead of {}",
                     state.elapsed_seconds, fit, state.epochs_total);
        state.epochs_total = fit;
        schedule = LrSchedule(opts.schedule, state.epochs_total * steps_per_epoch, steps_per_epoch);
      }
    }
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
    metrics.append(m);
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
    if (state.epoch < state.epochs_total) stop_if_interrupted(epoch);
    if (opts.stop_at_train_accuracy > 0 && double(correct) / seen >= opts.stop_at_train_accuracy &&
        state.epoch < state.epochs_total) {
      spdlog::info("training accuracy reached {:.2f}% (target {:.2f}%) at epoch {}; stopping",
                   100.0 * correct / seen, 100.0 * opts.stop_at_train_accuracy, epoch);
      break;
    }
    if (opts.time_budget_minutes > 0 && state.elapsed_seconds > opts.time_budget_minutes * 60 &&
        state.epoch < state.epochs_total) {
      spdlog::warn("time budget of {:.1f} min used up after epoch {}; stopping early",
                   opts.time_budget_minutes, state.epoch);
      break;
    }
  }
  spdlog::info("done: best validation accuracy {:.2f}% at epoch {}; checkpoints in {}",
               100.0 * state.best_val_accuracy, state.best_epoch, out);
  return state.best_val_accuracy;
}

}  // namespace relunet
