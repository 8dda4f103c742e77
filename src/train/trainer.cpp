#include "train/trainer.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <iterator>
#include <thread>
#include <utility>

#include <spdlog/spdlog.h>

#include "dist/reduce_counters.hpp"
#include "dist/replicas.hpp"
#include "net/batch_input.hpp"
#include "net/initialization.hpp"
#include "net/layer_table.hpp"
#include "net/model_checkpoint.hpp"
#include "net/network_state.hpp"
#include "net/patch_whitening.hpp"
#include "net/unit_stats.hpp"
#include "train/fine_tune.hpp"
#include "train/progress.hpp"
#include "train/run_inputs.hpp"

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

// Each rank's part of every batch (check_ranks: it divides), and its shard of the split.
LoaderOptions sharded(LoaderOptions o, Communicator& comm) {
  o.shard = comm.rank();
  o.shards = comm.size();
  return o;
}
int rank_batch(const TrainOptions& o, int ranks) { return static_cast<int>(o.batch / ranks); }
LoaderOptions training_loader(const RunInputs& in, Communicator& comm) {
  const auto& input = in.spec.input;
  return sharded(LoaderOptions::training(rank_batch(in.opts, comm.size()), int(input.h), int(input.w),
                                         in.opts.augment, in.opts.seed),
                 comm);
}
LoaderOptions validation_loader(const RunInputs& in, Communicator& comm) {
  const auto& input = in.spec.input;
  return sharded(LoaderOptions::evaluation(rank_batch(in.opts, comm.size()), int(input.h), int(input.w)), comm);
}

std::vector<dnnl::memory> running_statistics(Network& net) {
  std::vector<dnnl::memory> stats;
  for (const Param* p : net.params())
    if (!p->trainable()) stats.push_back(p->value);
  return stats;
}

}  // namespace

TrainResult train(const TrainRun& run) { return Trainer(run).run(); }

// ---- Setup -------------------------------------------------------------------------------------

Trainer::Trainer(const TrainRun& run)
    : run_start_(Clock::now()), comm_(world()), ranks_(comm_.size()), leader_(comm_.rank() == 0),
      data_dir_(run.data_dir), in_(std::make_unique<RunInputs>(run, ranks_, leader_)), opts_(in_->opts),
      state_(in_->state),
      train_loader_(*in_->data, in_->train_idx, in_->norm, training_loader(*in_, comm_)),
      val_loader_(*in_->data, in_->val_idx, in_->norm, validation_loader(*in_, comm_)),
      steps_per_epoch_(train_loader_.batches_per_epoch()),
      net_(in_->spec, rank_batch(opts_, ranks_), NetworkPurpose::Training, opts_.seed, ctx_),
      loss_(net_.logits(), net_.logits_grad(), opts_.label_smoothing),
      val_loss_(net_.logits(), net_.logits_grad(), 0.f),
      sgd_(trainable_params(net_, opts_.freeze_before), opts_.sgd),
      gradient_flow_(net_, sgd_.params(), opts_.gradient_stats),
      average_(net_.params(), opts_.average),
      schedule_(opts_.schedule, state_.total_steps, steps_per_epoch_),
      gradients_(gradients_of(sgd_.params()), comm_),
      batch_statistics_(running_statistics(net_), comm_),
      step_(net_, loss_, sgd_, gradient_flow_, &gradients_, &batch_statistics_),
      stop_(interrupt_),
      slowdown_(test_slowdown()),
      check_replicas_(test_check_replicas()) {
  step_.set_shard(comm_.rank(), comm_.size());
  log_setup();
  if (state_.total_steps <= 0) state_.total_steps = state_.epochs_total * steps_per_epoch_;
  if (state_.total_steps > state_.epochs_total * steps_per_epoch_)
    throw std::runtime_error(fmt::format("{}: total_steps {} is more than epochs_total {} x {} steps per epoch",
                                         in_->last_path, state_.total_steps, state_.epochs_total,
                                         steps_per_epoch_));
  elapsed_before_ = state_.elapsed_seconds;
  if (opts_.time_budget_minutes > 0)
    plan_.emplace(opts_.time_budget_minutes * 60, steps_per_epoch_, opts_.epochs * steps_per_epoch_);
  if (in_->resumed)
    restore_resumed_run();
  else
    start_new_run();
  schedule_ = LrSchedule(opts_.schedule, state_.total_steps, steps_per_epoch_);
  make_ranks_alike();
  // Every input has been checked: only now does the run directory come into existence.
  in_->claim_directory(leader_);
  if (leader_) metrics_.emplace(in_->out + "/metrics.jsonl", state_.epoch);
  first_step_ = state_.step;
}

Trainer::~Trainer() = default;

void Trainer::log_setup() const {
  const ModelSpec& spec = in_->spec;
  spdlog::info("model {}: {} layers; {} training and {} validation images; batch {}; {} threads{}", spec.name,
               spec.layers.size(), in_->train_idx.size(), in_->val_idx.size(), opts_.batch, max_threads(),
               ranks_ > 1 ? fmt::format(" in each of {} processes ({} images each per batch)", ranks_,
                                        rank_batch(opts_, ranks_))
                          : "");
  spdlog::info("layers:\n{}", layer_table(spec));
}

// A new run: the plan from a few timed steps, then the weights' initialisation (or the pretrained
// weights, or the patch whitening of the first layer).
void Trainer::start_new_run() {
  state_.epochs_total = opts_.epochs;
  state_.total_steps = opts_.epochs * steps_per_epoch_;
  if (plan_) {
    // Time with real weights: uninitialised memory can hold denormals, which are slow.
    initialize_params(net_, opts_.seed);
    TrainingStep timed(net_, loss_, sgd_, gradient_flow_);
    const StepTimes t = time_steps(net_, timed, train_loader_);
    const double val_seconds = t.infer * double(val_loader_.batches_per_epoch());
    state_.speed = {t.train, val_seconds, val_seconds};
    plan_steps();
    spdlog::info("time budget {:.1f} min: ~{:.3g} s per step -> {} step{} ({} epoch{})", opts_.time_budget_minutes,
                 t.train, state_.total_steps, state_.total_steps == 1 ? "" : "s", state_.epochs_total,
                 state_.epochs_total == 1 ? "" : "s");
    const PlanInputs now = plan_inputs();
    if (!plan_->fits(now, state_.total_steps))
      spdlog::warn("the time budget is too short for one training step and the validation (~{:.3g} s from now): "
                   "the run takes one step and ends late",
                   plan_->seconds_left(now, 1));
  }
  initialize_params(net_, opts_.seed);  // again after timing, which moved batch-norm statistics
  if (in_->pretrained) {
    apply_pretrained(net_, *in_->pretrained);
  } else if (has_patch_whitening(in_->spec)) {  // timed by the run's clock, so part of its budget
    const auto start = Clock::now();
    whiten_first_layer(net_, patch_moments(*in_->data, in_->train_idx, in_->norm, in_->spec));
    spdlog::info("patch whitening: statistics of {} training images in {:.1f} s",
                 std::min<size_t>(in_->train_idx.size(), kWhiteningImages), seconds_since(start));
  }
}

// A resumed run: the weights, optimiser state and weight average of its last.ckpt.
void Trainer::restore_resumed_run() {
  Checkpoint& c = *in_->resumed;
  const std::vector<NamedTensor> live = take_live_weights(c.optimizer);
  import_params(net_, c.params, in_->last_path);
  import_optimizer(sgd_, c.optimizer, ctx_.stream, in_->last_path);
  import_live_weights(average_, live, ctx_.stream, in_->last_path);
}

// Every rank starts from rank 0's state. Checked first: the broadcast copies raw buffers.
void Trainer::make_ranks_alike() {
  check_same_layouts(comm_, net_.params());
  std::vector<dnnl::memory> state_buffers;
  for (const Param* p : net_.params()) state_buffers.push_back(p->value);
  for (const dnnl::memory& v : sgd_.velocity()) state_buffers.push_back(v);
  broadcast_buffers(comm_, state_buffers);
}

// ---- The time budget ---------------------------------------------------------------------------

double Trainer::elapsed() const { return elapsed_before_ + seconds_since(run_start_); }

// What the plan is made from now: the time spent and the latest speeds.
PlanInputs Trainer::plan_inputs() const {
  const auto final_views = int64_t(tta_views(opts_.tta).size());
  return {elapsed(), state_.step, state_.speed.step_seconds, state_.speed.epoch_end_seconds,
          state_.speed.val_seconds * double(final_views - 1)};
}

// The run's total steps from its time budget and the latest speeds.
void Trainer::plan_steps() {
  state_.total_steps = plan_->total_steps(plan_inputs());
  comm_.broadcast(&state_.total_steps, sizeof state_.total_steps);  // rank 0's clock decides
  state_.epochs_total = epochs_of(state_.total_steps, steps_per_epoch_);
}

void Trainer::replan() {
  plan_steps();
  schedule_ = LrSchedule(opts_.schedule, state_.total_steps, steps_per_epoch_);
}

// The speed since the window started, half-weighted with the speed before it (one busy moment
// moves the plan only so much), then a new window.
void Trainer::measure_steps(Epoch& e) {
  if (state_.step == e.window_step) return;
  const double now = seconds_since(e.window_start) / double(state_.step - e.window_step);
  const double before = state_.speed.step_seconds;
  state_.speed.step_seconds = before > 0 ? 0.5 * (before + now) : now;
  e.window_start = Clock::now();
  e.window_step = state_.step;
}

// ---- The epoch loop ----------------------------------------------------------------------------

TrainResult Trainer::run() {
  if (stop_.agree(comm_)) {  // during setup
    save_last();
    return interrupted(state_.epoch + 1);
  }
  while (state_.step < state_.total_steps) {
    Epoch epoch = start_epoch();
    if (!train_batches(epoch)) return interrupted(epoch.number);
    const EpochSummary summary = finish_epoch(epoch);
    // The last epoch too: the signal is reported, not dropped.
    if (stop_.agree(comm_)) return interrupted(epoch.number);
    if (reached_target_accuracy(epoch, summary)) break;
  }
  return finished();
}

Trainer::Epoch Trainer::start_epoch() {
  auto& part = state_.partial;  // resumed mid-epoch: the batches already done
  Epoch e;
  e.number = state_.epoch + 1;
  enable_unit_stats(net_, opts_.unit_stats);
  // The epoch's counters so far are of every rank's images: rank 0 carries them on.
  if (opts_.unit_stats && part.batch > 0 && leader_)
    for (size_t i = 0; i < net_.activations().size(); ++i) net_.activations()[i]->counters() = part.units.at(i);
  gradient_flow_.reset();
  e.start = Clock::now();
  e.seen_before = part.seen;
  e.lr = schedule_.at(state_.step);
  train_loader_.start_epoch(state_.epoch, part.batch);
  train_loader_.take_wait_seconds();
  e.epochs_planned = state_.epochs_total;
  e.window_start = Clock::now();
  e.window_step = state_.step;
  return e;
}

// The epoch's batches, each one shared TrainingStep; plans again about ten times per epoch. A stop
// vote part-way saves the epoch so far and returns false.
bool Trainer::train_batches(Epoch& e) {
  auto& part = state_.partial;
  // Plans made within an epoch: about ten, from the speed of the steps since the last one.
  const int64_t replan_every = std::max<int64_t>(3, steps_per_epoch_ / 10);
  Progress progress("epoch " + std::to_string(e.number), steps_per_epoch_);
  Batch batch;
  while (state_.step < state_.total_steps && train_loader_.next(batch)) {
    train_step(batch, e);
    if (plan_ && part.batch % replan_every == 0 && part.batch < steps_per_epoch_) {
      measure_steps(e);
      replan();
    }
    if (progress.due(part.batch))
      progress.update(part.batch, fmt::format("loss {:.4f} acc {:.2f}%", part.loss_sum / part.seen,
                                              100.0 * part.correct / part.seen));
    // The epoch ends at its last batch or where the plan ends; an interruption there is
    // reported after the epoch's validation and checkpoint instead.
    if (stop_.signal() && part.batch < steps_per_epoch_ && state_.step < state_.total_steps) {
      progress.finish();
      save_partial_epoch();
      return false;
    }
  }
  progress.finish();
  return true;
}

// Forward and loss; the batch's sums over the ranks with the stop vote; backward; update.
void Trainer::train_step(const Batch& batch, Epoch& e) {
  const auto step_start = Clock::now();
  load_batch(net_, batch);
  const LossResult r = step_.forward(batch.labels, batch.count, static_cast<uint64_t>(state_.step));
  // The whole batch's sums, so that every rank sees a divergence at once, and the stop vote.
  double sums[3 + StopVote::kSize] = {r.loss_sum, double(r.correct), double(batch.count)};
  stop_.cast(sums + 3);
  comm_.allreduce(sums, std::size(sums), ReduceOp::Sum);
  stop_.count(sums + 3);
  if (!std::isfinite(sums[0]))
    throw std::runtime_error(fmt::format(
        "training diverged: the loss is {} at epoch {}, batch {}; try a lower learning rate than --lr {:g}{}",
        sums[0], e.number, batch.index + 1, opts_.schedule.lr,
        std::filesystem::exists(in_->last_path) ? " (the last good checkpoint, " + in_->last_path + ", is kept)"
                                                : ""));
  step_.backward();
  test_fail_rank(comm_.rank(), state_.step);
  e.lr = schedule_.at(state_.step);
  step_.update(e.lr);
  if (state_.step == 0 && gradient_flow_.enabled())
    for (const auto& g : gradient_flow_.report()) gradients_at_init_.push_back(to_json(g));
  ++state_.step;
  if (check_replicas_) check_identical_values(comm_, net_.params(), state_.step);
  average_.after_step(state_.step, state_.epoch, schedule_.total_steps());
  slow_down_for_tests(e, step_start);
  auto& part = state_.partial;
  part.batch = batch.index + 1;
  part.loss_sum += sums[0];
  part.correct += int64_t(sums[1]);
  part.seen += int64_t(sums[2]);
}

void Trainer::slow_down_for_tests(const Epoch& e, Clock::time_point step_start) const {
  if (slowdown_.epoch > 0 && e.number >= slowdown_.epoch)
    std::this_thread::sleep_for(std::max<Clock::duration>(
        Clock::now() - step_start,
        std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(slowdown_.min_step_seconds))));
}

void Trainer::slow_validation_for_tests(const Epoch& e) const {
  if (slowdown_.validation_epoch == e.number)
    std::this_thread::sleep_for(std::chrono::duration<double>(slowdown_.validation_seconds));
}

// ---- The end of an epoch -----------------------------------------------------------------------

// A write to the run directory that fails (a full disk, a quota) ends the run; its message says
// what is left. Every file is replaced atomically, so last.ckpt is the one before, which --resume
// continues from (dropping the metrics lines after it).
template <class Write>
void Trainer::explain_failed_writes(const Write& write) const {
  try {
    write();
  } catch (const std::runtime_error& error) {
    throw std::runtime_error(std::string(error.what()) + "; " +
                             (std::filesystem::exists(in_->last_path)
                                  ? in_->last_path + " is unchanged: continue from it with: " + resume_command()
                                  : "no checkpoint of this run was written yet"));
  }
}

// The epoch's plan (which decides whether it is the last), training statistics, validation,
// best-checkpoint policy, record and checkpoints.
Trainer::EpochSummary Trainer::finish_epoch(Epoch& e) {
  const auto end_start = Clock::now();
  if (plan_) plan_at_epoch_end(e);
  average_.end_epoch();
  auto& part = state_.partial;
  EpochSummary s;
  s.loss_sum = part.loss_sum;
  s.correct = part.correct;
  s.seen = part.seen;
  s.seen_now = s.seen - e.seen_before;
  part = {};
  s.train_seconds = seconds_since(e.start);
  s.data_wait_seconds = train_loader_.take_wait_seconds();
  for (auto* act : net_.activations()) reduce_unit_counters(comm_, act->counters());
  s.train_units = unit_reports(net_, opts_.near_dead);
  // The run's last validation sees the test-time augmentation the recipe asks for.
  s.last = state_.step >= state_.total_steps;
  s.val_tta = s.last ? opts_.tta : TtaMode::None;
  validate(s);
  slow_validation_for_tests(e);
  const auto& tracked_units = in_->val_idx.empty() ? s.train_units : s.val_units;
  if (opts_.unit_stats) s.unit_changes = state_.unit_history.update(e.number, tracked_units);
  state_.epoch = e.number;
  state_.elapsed_seconds = elapsed();
  s.best = keep_if_best(e, s);
  log_epoch(e, s);
  if (metrics_) explain_failed_writes([&] { metrics_->append(epoch_record(e, s)); });
  // best.ckpt before last.ckpt: a run that stops between them redoes this epoch on --resume.
  if (s.best) save_best();
  save_last();
  // For the plans of the next epoch; none is made here, as one made after the validation could end
  // the run at this step without the last epoch's test-time augmentation.
  if (plan_ && !s.last) state_.speed.epoch_end_seconds = seconds_since(end_start);
  return s;
}

// The plan that decides whether this epoch is the run's last, from the speed of its steps.
void Trainer::plan_at_epoch_end(Epoch& e) {
  measure_steps(e);
  replan();
  if (state_.epochs_total != e.epochs_planned)
    spdlog::info("time budget: {:.3g} s per step, {:.3g} s per epoch end -> {} epochs ({} steps) instead of {}",
                 state_.speed.step_seconds, state_.speed.epoch_end_seconds, state_.epochs_total,
                 state_.total_steps, e.epochs_planned);
}

// With the averaged weights, over every rank's shard of the validation split.
void Trainer::validate(EpochSummary& s) {
  if (in_->val_idx.empty()) return;
  const AveragedWeights averaged(average_);
  const auto val_start = Clock::now();
  s.val = evaluate(net_, val_loss_, val_loader_, opts_.unit_stats, "validation", s.val_tta);
  sum_over_ranks(s.val, comm_);  // each rank evaluated its shard
  for (auto* act : net_.activations()) reduce_unit_counters(comm_, act->counters());
  if (!s.last) state_.speed.val_seconds = seconds_since(val_start);
  s.val_units = unit_reports(net_, opts_.near_dead);
}

// The best-checkpoint policy: best.ckpt holds the epoch of the best validation accuracy so far (a tie
// keeps the earlier epoch).
bool Trainer::keep_if_best(const Epoch& e, const EpochSummary& s) {
  if (!(s.val.accuracy > state_.best_val_accuracy)) return false;
  state_.best_val_accuracy = s.val.accuracy;
  state_.best_epoch = e.number;
  return true;
}

// The epoch's line of metrics.jsonl.
nlohmann::json Trainer::epoch_record(const Epoch& e, const EpochSummary& s) {
  nlohmann::json m = {{"epoch", e.number},
                      {"step", state_.step},
                      {"lr", e.lr},
                      {"train_loss", s.loss_sum / s.seen},
                      {"train_accuracy", s.train_accuracy()},
                      {"images_per_second", s.seen_now / s.train_seconds},
                      {"epoch_seconds", seconds_since(e.start)},
                      {"data_wait_seconds", s.data_wait_seconds},
                      {"elapsed_seconds", state_.elapsed_seconds}};
  if (plan_) m["planned_steps"] = state_.total_steps;
  if (!in_->val_idx.empty()) {
    m["val_loss"] = s.val.loss;
    m["val_accuracy"] = s.val.accuracy;
    m["val_tta"] = to_string(s.val_tta);
  }
  if (opts_.unit_stats) {
    for (const auto& u : s.train_units) m["units"]["train"].push_back(to_json(u));
    for (const auto& u : s.val_units) m["units"]["val"].push_back(to_json(u));
    m["units"]["changes"] = to_json(s.unit_changes);
  }
  if (opts_.gradient_stats) {
    m["gradients"] = nlohmann::json::array();
    for (const auto& g : gradient_flow_.report()) m["gradients"].push_back(to_json(g));
    if (!gradients_at_init_.is_null()) m["gradients_at_init"] = std::exchange(gradients_at_init_, nullptr);
  }
  return m;
}

void Trainer::log_epoch(const Epoch& e, const EpochSummary& s) const {
  std::string units_text;
  if (opts_.unit_stats) {
    units_text = ", " + dead_units_summary(in_->val_idx.empty() ? s.train_units : s.val_units);
    const std::string changed = transitions_summary(s.unit_changes);
    if (!changed.empty()) units_text += " " + changed;
  }
  spdlog::info("epoch {}/{}: train loss {:.4f} acc {:.2f}% | val loss {:.4f} acc {:.2f}%{} | lr {:.4g} | "
               "{:.0f} img/s | {:.0f}s{}",
               e.number, state_.epochs_total, s.loss_sum / s.seen, 100.0 * s.train_accuracy(), s.val.loss,
               100.0 * s.val.accuracy, s.best ? " *" : "", e.lr, s.seen_now / s.train_seconds,
               state_.elapsed_seconds, units_text);
}

// last.ckpt, to continue the run from: with the optimiser's state and the live weights.
void Trainer::save_last() { save(in_->last_path, true); }
// best.ckpt, to evaluate and classify with: without them.
void Trainer::save_best() { save(in_->best_path, false); }

// The leader writes; a checkpoint's parameters are the weights evaluation uses: the average, once
// there is one.
void Trainer::save(const std::string& path, bool with_optimizer) {
  if (!leader_) return;
  Checkpoint c = [&] {
    const AveragedWeights averaged(average_);
    return checkpoint_of(net_, in_->norm, in_->data->class_names());
  }();
  c.train_state_json = state_json(opts_, state_).dump();
  if (with_optimizer) {
    c.optimizer = export_optimizer(sgd_, ctx_.stream);
    if (average_.active())
      for (NamedTensor& t : export_live_weights(net_)) c.optimizer.push_back(std::move(t));
  }
  explain_failed_writes([&] { save_checkpoint(c, path); });
}

// last.ckpt part-way through an epoch, with the epoch's unit counters so far (of every rank).
void Trainer::save_partial_epoch() {
  auto& part = state_.partial;
  part.units.clear();
  for (auto* act : net_.activations()) {
    part.units.push_back(act->counters());
    reduce_unit_counters(comm_, part.units.back());
  }
  state_.elapsed_seconds = elapsed();
  save_last();
}

// ---- Stopping ----------------------------------------------------------------------------------
// A run stops at the end of its planned steps (the while condition of run(), moved by the time
// budget), at --stop-at-train-accuracy, on a signal any rank received (StopVote; last.ckpt is saved
// and the result says how to continue), or with an exception when the loss diverges (train_step).

TrainResult Trainer::interrupted(int64_t epoch) const {
  const auto& part = state_.partial;
  const std::string where = part.batch > 0 ? "epoch " + std::to_string(epoch) + ", batch " +
                                                 std::to_string(part.batch) + "/" + std::to_string(steps_per_epoch_)
                            : state_.epoch == 0 ? "the start of epoch 1"
                                                : "the end of epoch " + std::to_string(state_.epoch);
  TrainResult result;
  result.status = TrainStatus::Interrupted;
  result.best_val_accuracy = state_.best_val_accuracy;
  result.signal = stop_.signal();
  result.message = std::string(signal_name(stop_.signal())) + ": stopped at " + where + "; " + in_->last_path +
                   " is saved; continue with: " + resume_command();
  return result;
}

std::string Trainer::resume_command() const {
  return (ranks_ > 1 ? fmt::format("mpirun -np {} ", ranks_) : std::string()) + "relunet train --out " + in_->out +
         " --data " + data_dir_ + " --resume";
}

bool Trainer::reached_target_accuracy(const Epoch& e, const EpochSummary& s) const {
  if (!(opts_.stop_at_train_accuracy > 0 && s.train_accuracy() >= opts_.stop_at_train_accuracy && !s.last))
    return false;
  spdlog::info("training accuracy reached {:.2f}% (target {:.2f}%) at epoch {}; stopping",
               100.0 * s.train_accuracy(), 100.0 * opts_.stop_at_train_accuracy, e.number);
  return true;
}

TrainResult Trainer::finished() const {
  if (check_replicas_)
    spdlog::info("replicas: the {} ranks held bitwise-identical parameters after each of {} steps", ranks_,
                 state_.step - first_step_);
  spdlog::info("done: best validation accuracy {:.2f}% at epoch {}; checkpoints in {}",
               100.0 * state_.best_val_accuracy, state_.best_epoch, in_->out);
  TrainResult result;
  result.best_val_accuracy = state_.best_val_accuracy;
  return result;
}

}  // namespace relunet
