// trainer.hpp — the training loop: epochs of SGD over the training split, validation after each
// epoch, metrics.jsonl, last.ckpt every epoch and best.ckpt on the best validation accuracy.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/context.hpp"
#include "data/batch_loader.hpp"
#include "dist/bucketed_mean.hpp"
#include "dist/communicator.hpp"
#include "layers/softmax_cross_entropy.hpp"
#include "net/network.hpp"
#include "net/tta.hpp"
#include "optim/lr_schedule.hpp"
#include "optim/sgd.hpp"
#include "optim/weight_average.hpp"
#include "train/gradient_flow.hpp"
#include "stats/unit_history.hpp"
#include "train/budget_plan.hpp"
#include "train/evaluate.hpp"
#include "train/interrupt.hpp"
#include "train/metrics_log.hpp"
#include "train/run_state.hpp"
#include "train/stop_vote.hpp"
#include "train/test_hooks.hpp"
#include "train/train_options.hpp"
#include "train/training_step.hpp"

namespace relunet {

// An option given on the command line, and where to_json(TrainOptions) holds its value.
struct GivenOption {
  std::string flag;     // "--lr"
  std::string pointer;  // JSON pointer: "/schedule/lr"
};

struct TrainRun {
  std::string data_dir;
  std::string models_dir;
  TrainOptions options;  // on resume the checkpoint's options are used instead
  // With `resume`: each of these must have the value the run was started with.
  std::vector<GivenOption> given_options;
  bool resume = false;
};

// How a run ended.
enum class TrainStatus {
  Finished,     // every planned step, or --stop-at-train-accuracy
  Interrupted,  // by a signal, after saving last.ckpt
};

struct TrainResult {
  TrainStatus status = TrainStatus::Finished;
  double best_val_accuracy = -1.0;
  int signal = 0;       // Interrupted: the signal's number (in a data-parallel run, any rank's)
  std::string message;  // Interrupted: where the run stopped and how to continue it
  // As a shell reports a command a signal ended: 128 + the signal's number; 0 when finished.
  int exit_code() const { return status == TrainStatus::Interrupted ? 128 + signal : 0; }
};

// Throws std::runtime_error on bad input or a diverging run (after keeping the last good
// checkpoint). Every input is checked before the run directory is created, so a run refused
// for bad input writes nothing. A new run refuses a directory that already holds one
// (last.ckpt). A signal (interrupt.hpp) ends the run at the next safe point, every rank
// together, with status Interrupted.
TrainResult train(const TrainRun& run);

struct RunInputs;

// One training run, as train() runs it: the constructor sets the run up (a new one or a resumed
// one) and plans its time budget; run() is the epoch loop. The parts, in trainer.cpp in this order:
// setup, the time budget, the epoch loop, the end of an epoch (validation, the epoch's record,
// the checkpoints), stopping. Data-parallel: every rank runs a Trainer; rank 0 (the leader) alone
// writes the run directory, and the ranks agree on everything else through collective operations.
class Trainer {
 public:
  explicit Trainer(const TrainRun& run);
  ~Trainer();
  Trainer(const Trainer&) = delete;
  Trainer& operator=(const Trainer&) = delete;
  TrainResult run();

 private:
  using Clock = std::chrono::steady_clock;

  // An epoch in progress, from its first batch to its record.
  struct Epoch {
    int64_t number = 0;  // 1-based, for people
    Clock::time_point start;
    int64_t seen_before = 0;     // images of a resumed epoch seen before this process ran
    int64_t epochs_planned = 0;  // the plan when it started
    float lr = 0;                // of its latest step
    // The speed window: since the last plan.
    Clock::time_point window_start;
    int64_t window_step = 0;
  };
  // What an epoch's end reports, logs and records.
  struct EpochSummary {
    double loss_sum = 0;
    int64_t correct = 0, seen = 0, seen_now = 0;  // seen_now: by this process
    double train_seconds = 0, data_wait_seconds = 0;
    std::vector<LayerUnitReport> train_units, val_units;
    std::vector<LayerTransitions> unit_changes;
    EvalResult val;
    TtaMode val_tta = TtaMode::None;
    bool last = false;  // the run's last epoch
    bool best = false;  // the best validation accuracy so far
    double train_accuracy() const { return double(correct) / double(seen); }
  };

  // Setup.
  void log_setup() const;
  void start_new_run();
  void restore_resumed_run();
  void make_ranks_alike();
  // The time budget.
  double elapsed() const;
  PlanInputs plan_inputs() const;
  void plan_steps();
  void replan();
  void measure_steps(Epoch& e);
  void plan_at_epoch_end(Epoch& e);
  // The epoch loop.
  Epoch start_epoch();
  bool train_batches(Epoch& e);  // false: stopped part-way by a signal (saved)
  void train_step(const Batch& batch, Epoch& e);
  void slow_down_for_tests(const Epoch& e, Clock::time_point step_start) const;
  void slow_validation_for_tests(const Epoch& e) const;
  // The end of an epoch.
  EpochSummary finish_epoch(Epoch& e);
  void validate(EpochSummary& s);
  bool keep_if_best(const Epoch& e, const EpochSummary& s);
  nlohmann::json epoch_record(const Epoch& e, const EpochSummary& s);  // hands over gradients_at_init_
  void log_epoch(const Epoch& e, const EpochSummary& s) const;
  void save_last();
  void save_best();
  void save(const std::string& path, bool with_optimizer);
  void save_partial_epoch();
  template <class Write>
  void explain_failed_writes(const Write& write) const;
  // Stopping.
  TrainResult interrupted(int64_t epoch) const;
  std::string resume_command() const;
  bool reached_target_accuracy(const Epoch& e, const EpochSummary& s) const;
  TrainResult finished() const;

  const Clock::time_point run_start_;  // the time budget counts start-up too
  // From the start: a signal during setup is acted on once there is a state to save.
  const InterruptGuard interrupt_;
  Communicator& comm_;
  const int ranks_;
  const bool leader_;
  const std::string data_dir_;
  std::unique_ptr<RunInputs> in_;
  const TrainOptions& opts_;
  RunState& state_;
  BatchLoader train_loader_, val_loader_;
  const int64_t steps_per_epoch_;
  Context ctx_;
  Network net_;
  SoftmaxCrossEntropy loss_;
  SoftmaxCrossEntropy val_loss_;  // plain cross-entropy, comparable across runs and with `relunet eval`
  Sgd sgd_;
  // Over the steps this process ran of each epoch (a run resumed mid-epoch: those after the resume).
  GradientFlow gradient_flow_;
  WeightAverage average_;
  // The learning-rate schedule and the weight average follow the plan's progress.
  LrSchedule schedule_;
  BucketedMean gradients_;
  // Batch-norm running statistics: each rank's come from its part of the batch; their mean after
  // every step keeps the ranks alike (and the running means equal one process's).
  BucketedMean batch_statistics_;
  TrainingStep step_;
  std::optional<BudgetPlan> plan_;
  double elapsed_before_ = 0;  // a resumed run's time before this process
  std::optional<MetricsLog> metrics_;
  StopVote stop_;
  nlohmann::json gradients_at_init_;  // the first step's, of a run that starts from its initialisation
  const TestSlowdown slowdown_;
  const bool check_replicas_;
  int64_t first_step_ = 0;
};

}  // namespace relunet
