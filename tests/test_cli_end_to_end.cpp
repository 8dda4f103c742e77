// test_cli_end_to_end.cpp — the relunet binary on a small generated CIFAR-10-format data set:
// training, reproducibility, evaluation, resuming, divergence and an unknown model name. (Bad
// inputs and command lines have their own table in test_bad_inputs.cpp.)
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <sys/wait.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <random>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "io/checkpoint.hpp"
#include "generated_cifar.hpp"
#include "test_files.hpp"
#include "train/train_options.hpp"

namespace {

using namespace relunet::test;
using relunet::Checkpoint;
using relunet::NamedTensor;
using relunet::load_checkpoint;

namespace fs = std::filesystem;
using nlohmann::json;

// ---- The generated data set ----------------------------------------------------------------------

constexpr int kRecordsPerTrainingFile = 400;  // 5 files: 2000 images, 200 of them for validation
constexpr int kTestRecords = 300;
constexpr int kValSize = 200;
constexpr int kEpochs = 3;

void write_data_set(const fs::path& dir) {
  write_generated_cifar(dir, kRecordsPerTrainingFile, kTestRecords);
}

// ---- Running the binary --------------------------------------------------------------------------

// ---- Reading results -----------------------------------------------------------------------------

std::vector<json> read_metrics(const fs::path& run_dir) {
  std::ifstream in(run_dir / "metrics.jsonl");
  std::vector<json> records;
  for (std::string line; std::getline(in, line);) {
    records.push_back(json::parse(line, nullptr, false));
    EXPECT_FALSE(records.back().is_discarded()) << "not JSON: " << line;
  }
  return records;
}

// The numbers of `field` in every record, as the text metrics.jsonl holds.
std::vector<std::string> column(const std::vector<json>& records, const std::string& field) {
  std::vector<std::string> values;
  for (const json& r : records) values.push_back(r.value(field, json()).dump());
  return values;
}

double best_val_accuracy(const std::vector<json>& records) {
  double best = -1;
  for (const json& r : records) best = std::max(best, r.at("val_accuracy").get<double>());
  return best;
}

void expect_mentions(const std::string& text, const std::vector<std::string>& parts) {
  for (const std::string& part : parts)
    EXPECT_NE(text.find(part), std::string::npos) << "'" << part << "' missing from:\n" << text;
}

}  // namespace

// Each test process gets a temp directory holding the generated data set; the reference run
// (tiny model, kEpochs epochs) is trained the first time a test asks for it.
class CliEndToEnd : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    std::string pattern = ::testing::TempDir() + "relunet_e2e_XXXXXX";
    if (mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed: " + pattern);
    root_ = pattern;
    write_data_set(data_dir());
  }
  static void TearDownTestSuite() {
    std::error_code ignored;
    fs::remove_all(root_, ignored);
    reference_.reset();
  }

  static fs::path data_dir() { return root_ / "data"; }
  static fs::path reference_dir() { return root_ / "reference"; }

  static Output relunet(const std::vector<std::string>& args,
                        const std::vector<std::string>& env = {}) {
    return finish(start_relunet(root_, args, env));
  }

  // The training command every run here uses, into `out` with `seed` on `data`.
  static std::vector<std::string> train_args(const fs::path& out, int seed = 1,
                                             const fs::path& data = data_dir()) {
    // --lr 0.02: the default peak (0.05) is tuned for real CIFAR-10 and overshoots on this data.
    return {"train",  "--model", "tiny",     "--data", data, "--epochs", std::to_string(kEpochs),
            "--val-size", std::to_string(kValSize), "--lr", "0.02", "--seed",
            std::to_string(seed), "--out", out};
  }

  // Starts train_args(run) plus `extra`, interrupts it with SIGINT once it has written its first
  // checkpoint, resumes it, and expects the metrics of the uninterrupted run in `whole`.
  static void expect_interrupted_run_continues_exactly(const fs::path& run,
                                                       const std::vector<std::string>& extra,
                                                       const fs::path& whole) {
    std::vector<std::string> args = train_args(run);
    args.insert(args.end(), extra.begin(), extra.end());
    const Process p = start_relunet(root_, args);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (!fs::exists(run / "last.ckpt") && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    kill(p.pid, SIGINT);
    const Output stopped = finish(p);
    ASSERT_NE(stopped.exit_code, 0) << "the run finished before the signal:\n" << stopped.err;
    expect_mentions(stopped.err, {"SIGINT: stopped at", "--resume"});

    const Output resumed = relunet({"train", "--resume", "--out", run, "--data", data_dir()});
    ASSERT_EQ(resumed.exit_code, 0) << resumed.err;
    const std::vector<json> reference = read_metrics(whole);
    const std::vector<json> continued = read_metrics(run);
    ASSERT_EQ(continued.size(), size_t(kEpochs)) << stopped.err;
    for (const char* field : {"epoch", "step", "lr", "train_loss", "train_accuracy", "val_loss",
                              "val_accuracy"})
      EXPECT_EQ(column(continued, field), column(reference, field)) << field << "; " << stopped.err;
    for (size_t e = 0; e < continued.size(); ++e)
      EXPECT_EQ(continued[e]["units"]["train"], reference[e]["units"]["train"]) << "epoch " << e + 1;
  }

  static const Output& reference_run() {
    if (!reference_) reference_ = std::make_unique<Output>(relunet(train_args(reference_dir())));
    return *reference_;
  }

  // Whether the reference run succeeded; when it did not, its own test says why.
  static bool reference_ok() { return reference_run().exit_code == 0; }

  static fs::path root_;
  static std::unique_ptr<Output> reference_;
};

fs::path CliEndToEnd::root_;
std::unique_ptr<Output> CliEndToEnd::reference_;

TEST_F(CliEndToEnd, TrainWritesMetricsAndCheckpointsAndBeatsChance) {
  const Output& run = reference_run();
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_TRUE(run.out.empty()) << "training logs belong on stderr: " << run.out;
  const std::string of_epochs = "/" + std::to_string(kEpochs);
  expect_mentions(run.err, {"epoch 1" + of_epochs, "epoch " + std::to_string(kEpochs) + of_epochs});
  EXPECT_TRUE(fs::is_regular_file(reference_dir() / "last.ckpt"));
  EXPECT_TRUE(fs::is_regular_file(reference_dir() / "best.ckpt"));

  const std::vector<json> metrics = read_metrics(reference_dir());
  ASSERT_EQ(metrics.size(), size_t(kEpochs));
  for (size_t e = 0; e < metrics.size(); ++e) {
    const json& m = metrics[e];
    SCOPED_TRACE("epoch " + std::to_string(e + 1) + ": " + m.dump().substr(0, 300));
    EXPECT_EQ(m.at("epoch").get<int>(), int(e) + 1);
    for (const char* field : {"train_loss", "val_loss", "lr", "images_per_second"}) {
      ASSERT_TRUE(m.contains(field) && m[field].is_number()) << field;
      EXPECT_TRUE(std::isfinite(m[field].get<double>())) << field;
      EXPECT_GT(m[field].get<double>(), 0.0) << field;
    }
    for (const char* field : {"train_accuracy", "val_accuracy"}) {
      ASSERT_TRUE(m.contains(field) && m[field].is_number()) << field;
      EXPECT_GE(m[field].get<double>(), 0.0) << field;
      EXPECT_LE(m[field].get<double>(), 1.0) << field;
    }
    ASSERT_TRUE(m.contains("units") && m["units"].is_object());
    for (const char* split : {"train", "val"}) {
      ASSERT_TRUE(m["units"].contains(split)) << split;
      EXPECT_FALSE(m["units"][split].empty()) << split;
    }
    // Gradient flow: every conv/fc layer, with positive finite norms; the first step's too.
    EXPECT_EQ(m.contains("gradients_at_init"), e == 0);
    for (const char* key : {"gradients", "gradients_at_init"}) {
      if (!m.contains(key)) continue;
      ASSERT_FALSE(m[key].empty()) << key;
      for (const json& g : m[key]) {
        EXPECT_GT(g.at("weight_grad_norm").get<double>(), 0.0) << key << " " << g.dump();
        EXPECT_GT(g.at("update_ratio").get<double>(), 0.0) << key << " " << g.dump();
        if (g.at("activation").is_null()) continue;  // the output layer
        EXPECT_GT(g.at("act_grad_norm").get<double>(), 0.0) << key << " " << g.dump();
        EXPECT_GE(g.at("act_grad_zero_fraction").get<double>(), 0.0);
        EXPECT_LT(g.at("act_grad_zero_fraction").get<double>(), 1.0);
      }
      EXPECT_EQ(m[key].size(), m["units"]["train"].size() + 1) << "one per activation, plus the output layer";
    }
  }
  // Chance is 10%; the data allow about 87%.
  EXPECT_GT(metrics.back().at("val_accuracy").get<double>(), 0.5);
  EXPECT_LT(metrics.back().at("train_loss").get<double>(),
            metrics.front().at("train_loss").get<double>());
}

// A model's recipe gives the options the command line leaves out, and a flag overrides its recipe
// value. The model's patch-whitening first layer is computed from the training images.
TEST_F(CliEndToEnd, RecipeOptionsApplyAndFlagsOverrideThem) {
  const fs::path model = root_ / "recipe.json";
  std::ofstream(model) << R"({"name": "recipe", "input": {"channels": 3, "height": 32, "width": 32}, "classes": 10,
    "recipe": {"lr": 0.03, "batch": 32, "nesterov": true, "label-smoothing": 0.1, "norm-lr-scale": 4,
               "no-flip": true, "no-gradient-stats": false},
    "layers": [{"type": "conv", "name": "whiten", "filters": 24, "kernel": 2, "stride": 2,
                "init": "patch-whitening", "frozen": true},
               {"type": "relu"}, {"type": "batchnorm", "scale": false}, {"type": "fc", "units": 10}]})";
  const fs::path out = root_ / "recipe-run";
  const Output run = relunet({"train", "--model", model, "--data", data_dir(), "--epochs", "1", "--val-size",
                              std::to_string(kValSize), "--batch", "16", "--out", out});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  expect_mentions(run.err, {"patch whitening: statistics of"});
  const Checkpoint c = load_checkpoint(out / "last.ckpt");
  const json options = json::parse(c.train_state_json).at("options");
  EXPECT_FLOAT_EQ(options.at("schedule").at("lr").get<float>(), 0.03f);
  EXPECT_EQ(options.at("batch").get<int>(), 16);  // the flag, not the recipe's 32
  EXPECT_TRUE(options.at("sgd").at("nesterov").get<bool>());
  EXPECT_FLOAT_EQ(options.at("label_smoothing").get<float>(), 0.1f);
  EXPECT_FLOAT_EQ(options.at("sgd").at("norm").at("lr_scale").get<float>(), 4.f);
  EXPECT_FLOAT_EQ(options.at("sgd").at("momentum").get<float>(), 0.9f);  // not in the recipe: the default
  EXPECT_FALSE(options.at("flip").get<bool>()) << "\"no-flip\": true turns flips off";
  EXPECT_TRUE(options.at("gradient_stats").get<bool>()) << "\"no-gradient-stats\": false keeps them";

  const auto whiten = std::find_if(c.params.begin(), c.params.end(),
                                   [](const NamedTensor& t) { return t.name == "whiten.weight"; });
  ASSERT_NE(whiten, c.params.end());
  ASSERT_EQ(whiten->data.size(), 24u * 12);
  double energy = 0;
  for (size_t i = 0; i < 12 * 12; ++i) {
    EXPECT_EQ(whiten->data[i], -whiten->data[i + 12 * 12]) << "filter " << i / 12 << " and its negative";
    energy += double(whiten->data[i]) * whiten->data[i];
  }
  EXPECT_GT(energy, 1.0);  // whitening gains, not a small random initialisation
}

// `relunet train` with nothing but the data runs the recipe that produced models/default.ckpt:
// the run's saved options are the shipped checkpoint's, apart from what README's shipped-model
// command and this short run give. Both go through TrainOptions, so options added since the
// checkpoint was written take their defaults on both sides.
TEST_F(CliEndToEnd, TrainWithOnlyTheDataRunsTheShippedModelsRecipe) {
  const fs::path out = root_ / "default-recipe-run";
  const Output run = relunet({"train", "--data", data_dir(), "--epochs", "1", "--val-size",
                              std::to_string(kValSize), "--out", out});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const auto options_of = [](const fs::path& checkpoint) {
    const json state = json::parse(load_checkpoint(checkpoint).train_state_json);
    json options = relunet::to_json(relunet::train_options_from_json(state.at("options")));
    for (const char* given : {"time_budget_minutes", "epochs", "val_size"}) options.erase(given);
    return options;
  };
  const json shipped = options_of(fs::path(RELUNET_SOURCE_DIR) / "models/default.ckpt");
  const json ran = options_of(out / "last.ckpt");
  EXPECT_EQ(ran, shipped) << "differences from models/default.ckpt's options: " << json::diff(shipped, ran).dump();
}

TEST_F(CliEndToEnd, SameSeedReproducesTheLossesAndAnotherSeedChangesThem) {
  ASSERT_TRUE(reference_ok());
  const std::vector<json> reference = read_metrics(reference_dir());

  const Output again = relunet(train_args(root_ / "again"));
  ASSERT_EQ(again.exit_code, 0) << again.err;
  const std::vector<json> repeated = read_metrics(root_ / "again");
  for (const char* field : {"train_loss", "train_accuracy", "val_loss", "val_accuracy"})
    EXPECT_EQ(column(repeated, field), column(reference, field)) << field;

  const Output other = relunet(train_args(root_ / "other-seed", 2));
  ASSERT_EQ(other.exit_code, 0) << other.err;
  const std::vector<std::string> other_losses = column(read_metrics(root_ / "other-seed"), "train_loss");
  ASSERT_EQ(other_losses.size(), size_t(kEpochs));
  for (int e = 0; e < kEpochs; ++e)
    EXPECT_NE(other_losses[e], column(reference, "train_loss")[e]) << "epoch " << e + 1;
}

// --stop-at-train-accuracy ends the run after the first epoch that reaches the target: the
// same run as the reference, cut short where the reference's training accuracy first got there.
TEST_F(CliEndToEnd, StopAtTrainAccuracyEndsAtTheFirstEpochThatReachesIt) {
  ASSERT_TRUE(reference_ok());
  const std::vector<json> reference = read_metrics(reference_dir());
  ASSERT_EQ(reference.size(), size_t(kEpochs));
  const double target = reference[1].at("train_accuracy").get<double>();
  size_t first_reaching = 0;
  while (reference[first_reaching].at("train_accuracy").get<double>() < target) ++first_reaching;
  ASSERT_LT(first_reaching + 1, size_t(kEpochs)) << "the target must stop the run early";

  std::vector<std::string> args = train_args(root_ / "stopped");
  // A hair below the target: std::to_string keeps six decimals and may round up.
  args.insert(args.end(), {"--stop-at-train-accuracy", std::to_string(target - 1e-5)});
  const Output stopped = relunet(args);
  ASSERT_EQ(stopped.exit_code, 0) << stopped.err;
  expect_mentions(stopped.err, {"training accuracy reached"});
  const std::vector<json> metrics = read_metrics(root_ / "stopped");
  ASSERT_EQ(metrics.size(), first_reaching + 1);
  std::vector<std::string> reference_losses = column(reference, "train_loss");
  reference_losses.resize(metrics.size());
  EXPECT_EQ(column(metrics, "train_loss"), reference_losses);
}

TEST_F(CliEndToEnd, EvalOnValidationSplitMatchesBestValidationAccuracy) {
  ASSERT_TRUE(reference_ok());
  const Output eval = relunet({"eval", "--checkpoint", reference_dir() / "best.ckpt", "--data",
                               data_dir(), "--split", "val", "--json"});
  ASSERT_EQ(eval.exit_code, 0) << eval.err;
  const json result = json::parse(eval.out, nullptr, false);
  ASSERT_FALSE(result.is_discarded()) << "stdout is not one JSON object: " << eval.out;

  const double accuracy = result.at("accuracy").get<double>();
  EXPECT_GE(accuracy, 0.0);
  EXPECT_LE(accuracy, 1.0);
  EXPECT_NEAR(accuracy, best_val_accuracy(read_metrics(reference_dir())), 1e-9);

  const json& confusion = result.at("confusion");
  const json& per_class = result.at("per_class");
  ASSERT_EQ(confusion.size(), 10u);
  ASSERT_EQ(per_class.size(), 10u);
  int64_t total = 0, correct = 0;
  for (size_t k = 0; k < 10; ++k) {
    ASSERT_EQ(confusion[k].size(), 10u) << "row " << k;
    int64_t row = 0;
    for (const json& n : confusion[k]) row += n.get<int64_t>();
    total += row;
    correct += confusion[k][k].get<int64_t>();
    ASSERT_TRUE(per_class.contains(kGeneratedClassNames[k])) << "class names come from batches.meta.txt";
    if (row > 0) {
      EXPECT_NEAR(per_class[kGeneratedClassNames[k]].get<double>(), confusion[k][k].get<double>() / row, 1e-9)
          << kGeneratedClassNames[k];
    }
  }
  EXPECT_EQ(total, kValSize);
  EXPECT_NEAR(accuracy, double(correct) / total, 1e-9);
}

TEST_F(CliEndToEnd, EvalOnTestSplitCountsEveryTestImageAndReadsRelunetData) {
  ASSERT_TRUE(reference_ok());
  const std::string checkpoint = reference_dir() / "best.ckpt";
  const Output eval =
      relunet({"eval", "--checkpoint", checkpoint, "--data", data_dir(), "--split", "test", "--json"});
  ASSERT_EQ(eval.exit_code, 0) << eval.err;
  const json result = json::parse(eval.out, nullptr, false);
  ASSERT_FALSE(result.is_discarded()) << eval.out;
  int64_t total = 0;
  for (const json& row : result.at("confusion"))
    for (const json& n : row) total += n.get<int64_t>();
  EXPECT_EQ(total, kTestRecords);
  EXPECT_GT(result.at("accuracy").get<double>(), 0.5);

  // Without --data, RELUNET_DATA says where the data are.
  const Output from_env = relunet({"eval", "--checkpoint", checkpoint, "--split", "test", "--json"},
                                  {"RELUNET_DATA=" + data_dir().string()});
  ASSERT_EQ(from_env.exit_code, 0) << from_env.err;
  EXPECT_EQ(from_env.out, eval.out);

  // The table form names every class.
  const Output table = relunet({"eval", "--checkpoint", checkpoint, "--data", data_dir()});
  ASSERT_EQ(table.exit_code, 0) << table.err;
  expect_mentions(table.out, kGeneratedClassNames);
}

TEST_F(CliEndToEnd, ResumingAFinishedRunChangesNothing) {
  ASSERT_TRUE(reference_ok());
  const fs::path run = root_ / "finished";
  fs::copy(reference_dir(), run, fs::copy_options::recursive);
  const std::string metrics_before = read_bytes(run / "metrics.jsonl");
  const std::string last_before = read_bytes(run / "last.ckpt");

  const Output resumed = relunet({"train", "--resume", "--out", run, "--data", data_dir()});
  ASSERT_EQ(resumed.exit_code, 0) << resumed.err;
  EXPECT_EQ(read_bytes(run / "metrics.jsonl"), metrics_before);
  EXPECT_EQ(read_bytes(run / "last.ckpt"), last_before);
}

// A run killed after an epoch's checkpoint and resumed ends with the very losses of a run that
// was never interrupted.
TEST_F(CliEndToEnd, ResumeAfterAKillContinuesExactly) {
  ASSERT_TRUE(reference_ok());
  const fs::path run = root_ / "killed";
  const Process p = start_relunet(root_, train_args(run));
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  int status = 0;
  bool exited = false;
  while (!fs::exists(run / "last.ckpt") && std::chrono::steady_clock::now() < deadline) {
    exited = waitpid(p.pid, &status, WNOHANG) == p.pid;
    if (exited) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ASSERT_FALSE(exited) << "the run ended before writing last.ckpt: " << read_bytes(p.err_file);
  kill(p.pid, SIGKILL);
  const Output killed = finish(p);
  ASSERT_EQ(killed.exit_code, 128 + SIGKILL)
      << "the run finished before it could be killed; the machine is too slow or the test "
         "data too small:\n"
      << killed.err;
  const size_t epochs_done = read_metrics(run).size();
  EXPECT_LT(epochs_done, size_t(kEpochs));

  const Output resumed = relunet({"train", "--resume", "--out", run, "--data", data_dir()});
  ASSERT_EQ(resumed.exit_code, 0) << resumed.err;
  expect_mentions(resumed.err, {"resuming"});
  const std::vector<json> reference = read_metrics(reference_dir());
  const std::vector<json> continued = read_metrics(run);
  ASSERT_EQ(continued.size(), size_t(kEpochs)) << "killed after " << epochs_done << " epoch(s)";
  for (const char* field : {"epoch", "step", "lr", "train_loss", "train_accuracy", "val_loss",
                            "val_accuracy"})
    EXPECT_EQ(column(continued, field), column(reference, field))
        << field << " (killed after " << epochs_done << " epoch(s))";
}

// SIGINT after the first epoch's checkpoint: the run finishes its batch, saves last.ckpt (mid-epoch
// when the signal lands inside an epoch), says how to resume and exits non-zero; the resumed run
// ends with the very metrics of the uninterrupted one, unit statistics included.
TEST_F(CliEndToEnd, InterruptSavesAndResumesExactly) {
  ASSERT_TRUE(reference_ok());
  expect_interrupted_run_continues_exactly(root_ / "interrupted", {}, reference_dir());
}

// With a weight average, validation and checkpoints use the average (so the curve differs from
// the reference run's), and a run interrupted while averaging resumes exactly: the checkpoint
// holds the average and the live weights.
TEST_F(CliEndToEnd, WeightAverageChangesValidationAndResumesExactly) {
  ASSERT_TRUE(reference_ok());
  const std::vector<json> reference = read_metrics(reference_dir());
  for (const std::string kind : {"ema", "lookahead"}) {
    SCOPED_TRACE(kind);
    const std::vector<std::string> average = {"--average", kind, "--average-start", "1",
                                              "--average-every", "2", "--average-ramp", "0"};
    const fs::path whole = root_ / ("average-" + kind);
    std::vector<std::string> args = train_args(whole);
    args.insert(args.end(), average.begin(), average.end());
    const Output run = relunet(args);
    ASSERT_EQ(run.exit_code, 0) << run.err;
    const std::vector<json> averaged = read_metrics(whole);
    ASSERT_EQ(averaged.size(), size_t(kEpochs));
    EXPECT_EQ(averaged[0].at("val_loss"), reference[0].at("val_loss")) << "no average in epoch 1";
    EXPECT_NE(averaged.back().at("val_loss"), reference.back().at("val_loss"));

    const Output eval = relunet({"eval", "--checkpoint", whole / "best.ckpt", "--data", data_dir(),
                                 "--split", "val", "--json"});
    ASSERT_EQ(eval.exit_code, 0) << eval.err;
    EXPECT_NEAR(json::parse(eval.out).at("accuracy").get<double>(), best_val_accuracy(averaged), 1e-9)
        << "best.ckpt holds the weights validation used";

    expect_interrupted_run_continues_exactly(root_ / ("average-interrupted-" + kind), average, whole);
  }
}

// --time-budget on a machine that slows down: from epoch 2 on every step takes twice as long (a
// test hook sleeps as long as the step computed). The run plans again as it goes and ends
// annealed (its last step's learning rate near the end of the one-cycle schedule, not in its
// middle) and within 3% of its budget, its last validation with the test-time augmentation it asks
// for included. The run's clock starts when training does; the process's own start and exit get
// another second.
TEST_F(CliEndToEnd, TimeBudgetReplansWhenTheMachineSlowsDownAndEndsAnnealed) {
  const fs::path run = root_ / "slowed-down";
  const double budget_seconds = 24;
  std::vector<std::string> args = {"train", "--model", "tiny", "--data", data_dir(), "--val-size",
                                   std::to_string(kValSize), "--lr", "0.02", "--time-budget",
                                   std::to_string(budget_seconds / 60), "--tta", "flip", "--out", run};
  const auto start = std::chrono::steady_clock::now();
  const Output o = relunet(args, {"RELUNET_TEST_SLOWDOWN_EPOCH=2"});
  const double wall =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  ASSERT_EQ(o.exit_code, 0) << o.err;
  const std::vector<json> metrics = read_metrics(run);
  ASSERT_GE(metrics.size(), 3u) << "the slowdown must start well before the end:\n" << o.err;
  const json& last = metrics.back();
  EXPECT_LT(last.at("planned_steps").get<int64_t>(), metrics[0].at("planned_steps").get<int64_t>())
      << "the plan shrinks when the steps slow down:\n" << o.err;
  EXPECT_EQ(last.at("step"), last.at("planned_steps")) << "the run ends where its plan does";
  EXPECT_LT(last.at("lr").get<double>(), 0.02 * 0.02) << "annealed, not stopped mid-schedule";
  expect_mentions(o.err, {"time budget:"});
  EXPECT_EQ(last.at("val_tta"), "flip");
  EXPECT_EQ(metrics[0].at("val_tta"), "none");
  EXPECT_LE(last.at("elapsed_seconds").get<double>(), 1.03 * budget_seconds) << o.err;
  EXPECT_LE(wall, 1.03 * budget_seconds + 1.0) << o.err;
  EXPECT_GE(wall, 0.9 * budget_seconds) << "the budget is used:\n" << o.err;
}

// An epoch end that takes far longer than planned leaves no time for another epoch: the run still
// ends with a validation under the recipe's test-time augmentation, as the epoch that the plan
// made last (it once ended right after a plain validation: the plan made after it had no steps left).
TEST_F(CliEndToEnd, TimeBudgetEndsWithTheTtaValidationWhenAnEpochEndRunsLong) {
  const fs::path run = root_ / "slow-validation";
  const double budget_seconds = 24;
  const Output o = relunet({"train", "--model", "tiny", "--data", data_dir(), "--val-size", std::to_string(kValSize),
                            "--lr", "0.02", "--time-budget", std::to_string(budget_seconds / 60), "--tta", "flip",
                            "--out", run},
                           {"RELUNET_TEST_SLOW_VALIDATION=1:" + std::to_string(0.6 * budget_seconds)});
  ASSERT_EQ(o.exit_code, 0) << o.err;
  const std::vector<json> metrics = read_metrics(run);
  ASSERT_FALSE(metrics.empty()) << o.err;
  const json& last = metrics.back();
  EXPECT_EQ(last.at("val_tta"), "flip") << o.err;
  EXPECT_GE(metrics.size(), 2u) << "the plan made before epoch 1's validation had time for more";
  EXPECT_EQ(metrics[0].at("val_tta"), metrics.size() > 1 ? "none" : "flip");
  EXPECT_EQ(last.at("step"), last.at("planned_steps")) << "the run ends where its plan does";
  EXPECT_LE(last.at("elapsed_seconds").get<double>(), 1.03 * budget_seconds) << o.err;
}

// A budget shorter than one step and the validation cannot be kept: the run takes its one step,
// and says beforehand that it will end late.
TEST_F(CliEndToEnd, TimeBudgetTooShortForOneStepWarnsAndTakesOneStep) {
  const fs::path run = root_ / "too-short";
  const Output o = relunet({"train", "--model", "tiny", "--data", data_dir(), "--val-size", std::to_string(kValSize),
                            "--time-budget", "0.0001", "--out", run});
  ASSERT_EQ(o.exit_code, 0) << o.err;
  expect_mentions(o.err, {"-> 1 step (1 epoch)", "the time budget is too short for one training step and the "
                                                "validation (~", "the run takes one step and ends late"});
  const std::vector<json> metrics = read_metrics(run);
  ASSERT_EQ(metrics.size(), 1u) << o.err;
  EXPECT_EQ(metrics[0].at("step"), 1);
}

TEST_F(CliEndToEnd, DivergingLossStopsWithTheEpochBatchAndAHint) {
  const fs::path run = root_ / "diverged";
  const Output o = relunet({"train", "--model", "tiny", "--data", data_dir(), "--epochs", "2",
                            "--val-size", std::to_string(kValSize), "--lr", "1e6", "--out", run});
  EXPECT_NE(o.exit_code, 0);
  expect_mentions(o.err, {"training diverged", "at epoch 1, batch", "lower learning rate"});
  EXPECT_FALSE(fs::exists(run / "best.ckpt"));
}

// A model file with prelu layers (models/tiny-prelu.json) trains, learns its slopes, and its
// checkpoint goes through inspect (prelu units are not counted: README, Dead-unit statistics),
// export and import.
TEST_F(CliEndToEnd, PReluModelTrainsItsSlopesAndInspectsExportsAndImports) {
  const fs::path run = root_ / "prelu";
  std::vector<std::string> args = train_args(run);
  *std::find(args.begin(), args.end(), "tiny") = "tiny-prelu";
  const Output trained = relunet(args);
  ASSERT_EQ(trained.exit_code, 0) << trained.err;
  const std::vector<json> metrics = read_metrics(run);
  ASSERT_EQ(metrics.size(), size_t(kEpochs));
  EXPECT_GT(metrics.back().at("val_accuracy").get<double>(), 0.5);  // chance is 10%
  EXPECT_LT(metrics.back().at("train_loss").get<double>(), metrics.front().at("train_loss").get<double>());

  const Checkpoint ckpt = load_checkpoint((run / "last.ckpt").string());
  std::vector<std::string> slopes;
  for (const NamedTensor& t : ckpt.params) {
    if (t.name.find(".slope") == std::string::npos) continue;
    slopes.push_back(t.name);
    const float initial = t.name == "prelu3.slope" ? 0.1f : 0.25f;
    EXPECT_TRUE(std::any_of(t.data.begin(), t.data.end(), [&](float a) { return a != initial; }))
        << t.name << " never moved from its init_slope";
  }
  EXPECT_EQ(slopes, (std::vector<std::string>{"prelu1.slope", "prelu2.slope", "prelu3.slope"}));

  const Output inspected = relunet({"inspect", "--checkpoint", run / "best.ckpt", "--data", data_dir(), "--json"});
  ASSERT_EQ(inspected.exit_code, 0) << inspected.err;
  EXPECT_FALSE(json::parse(inspected.out, nullptr, false).is_discarded()) << inspected.out;
  const Output exported = relunet({"export", "--checkpoint", run / "best.ckpt", "--out", run / "prelu.onnx"});
  ASSERT_EQ(exported.exit_code, 0) << exported.err;
  const Output imported = relunet({"import", run / "prelu.onnx", "--out", run / "imported"});
  ASSERT_EQ(imported.exit_code, 0) << imported.err;
  EXPECT_TRUE(fs::is_regular_file(run / "imported/model.ckpt"));
}

TEST_F(CliEndToEnd, UnknownModelListsTheAvailableModels) {
  const Output run = relunet({"train", "--model", "no-such-model", "--data", data_dir(), "--out",
                              root_ / "unknown-model"});
  EXPECT_NE(run.exit_code, 0);
  // Every model file shipped in models/ is offered.
  std::vector<std::string> names = {"no-such-model"};
  for (const auto& entry : fs::directory_iterator(fs::path(RELUNET_SOURCE_DIR) / "models"))
    if (entry.path().extension() == ".json") names.push_back(entry.path().stem());
  ASSERT_GT(names.size(), 2u);
  expect_mentions(run.err, names);
}
