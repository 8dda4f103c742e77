// test_data_parallel.cpp — `relunet train` and `relunet bench` under mpirun (CTest label mpi):
// one process, 2 and 4 ranks train the same model; an interrupted 2-rank run resumes exactly;
// a failing rank ends the job; bad rank counts are refused with one line.
#include <gtest/gtest.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <functional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "generated_cifar.hpp"
#include "io/checkpoint.hpp"
#include "test_files.hpp"

namespace {

using namespace relunet::test;
namespace fs = std::filesystem;
using nlohmann::json;
using Clock = std::chrono::steady_clock;

// Open MPI as root (CI runs in a chroot as root), in containers (no cross-memory attach), and
// without ssh (a local job never uses it, but the launcher looks for it); the tests' hook that
// checks after every step that the ranks' weights are bitwise the same.
const std::vector<std::string> kMpiEnv = {
    "OMPI_ALLOW_RUN_AS_ROOT=1", "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1",
    "OMPI_MCA_btl_vader_single_copy_mechanism=none", "OMPI_MCA_plm_rsh_agent=false",
    "RELUNET_TEST_CHECK_REPLICAS=1",
    // The sanitizer build: Open MPI's own allocations outlive MPI_Finalize.
    "LSAN_OPTIONS=suppressions=" RELUNET_SOURCE_DIR "/tests/mpi/lsan-openmpi.supp"};
constexpr int kTimeoutSeconds = 120;  // a hang, not a slow machine

std::vector<json> read_metrics(const fs::path& run_dir) {
  std::ifstream in(run_dir / "metrics.jsonl");
  std::vector<json> records;
  for (std::string line; std::getline(in, line);) records.push_back(json::parse(line));
  return records;
}

size_t occurrences(const std::string& text, const std::string& part) {
  size_t n = 0;
  for (size_t at = text.find(part); at != std::string::npos; at = text.find(part, at + 1)) ++n;
  return n;
}

class DataParallel : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    std::string pattern = ::testing::TempDir() + "relunet_mpi_XXXXXX";
    if (mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed: " + pattern);
    root_ = pattern;
    // 5 x 8 images, 10 of them for validation: 3 steps of 8 per epoch (6 dropped), and a short
    // last validation batch that leaves ranks 2 and 3 of 4 without images.
    write_generated_cifar(root_ / "small", 8, 4);
    write_generated_cifar(root_ / "larger", 150, 4);  // 92 steps per epoch, to interrupt one
    // tiny with dropout: its masks must not depend on the number of ranks either.
    std::ofstream(root_ / "tiny-dropout.json") << R"({"name": "tiny-dropout", "input": {"channels": 3, "height": 32, "width": 32},
      "classes": 10, "layers": [{"type": "conv", "filters": 8, "kernel": 3, "pad": 1}, {"type": "relu"},
      {"type": "maxpool", "kernel": 4}, {"type": "fc", "units": 32}, {"type": "relu"},
      {"type": "dropout", "p": 0.5}, {"type": "fc", "units": 10}]})";
  }
  static void TearDownTestSuite() {
    std::error_code ignored;
    fs::remove_all(root_, ignored);
  }

  // `relunet ARGS --threads 1` in `ranks` processes (mpirun unless 1), waited for at most
  // kTimeoutSeconds; `started` sees the process first (to signal it).
  static Output run(int ranks, std::vector<std::string> args, const std::vector<std::string>& env = {},
                    const std::function<void(pid_t)>& started = {}) {
    args.insert(args.begin(), RELUNET_BINARY);
    args.insert(args.end(), {"--threads", "1"});
    if (ranks > 1)
      args.insert(args.begin(), {RELUNET_MPIEXEC, "-np", std::to_string(ranks), "--oversubscribe"});
    std::vector<std::string> all_env = env;
    all_env.insert(all_env.end(), kMpiEnv.begin(), kMpiEnv.end());
    const Process p = start_command(root_, args, all_env);
    if (started) started(p.pid);
    const auto deadline = Clock::now() + std::chrono::seconds(kTimeoutSeconds);
    int status = 0;
    while (waitpid(p.pid, &status, WNOHANG) == 0) {
      if (Clock::now() > deadline) {
        kill(p.pid, SIGKILL);
        finish(p);
        throw std::runtime_error("timed out after " + std::to_string(kTimeoutSeconds) + " s: " + args[0]);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    Output o;
    o.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    o.out = read_bytes(p.out_file);
    o.err = read_bytes(p.err_file);
    return o;
  }

  static std::vector<std::string> train_args(const std::string& data, const fs::path& out,
                                             int epochs, const std::string& model = "tiny") {
    return {"train", "--model", model, "--data", (root_ / data).string(), "--val-size", "10",
            "--batch", "8", "--epochs", std::to_string(epochs), "--lr", "0.02", "--seed", "3",
            "--out", out.string()};
  }

  static fs::path root_;
};

fs::path DataParallel::root_;

// |a - b| <= rtol (|b| + rms(b)) elementwise, as the layer tests compare tensors.
::testing::AssertionResult near(const std::vector<float>& a, const std::vector<float>& b, double rtol) {
  if (a.size() != b.size()) return ::testing::AssertionFailure() << "sizes " << a.size() << " and " << b.size();
  double squares = 0;
  for (float v : b) squares += double(v) * v;
  const double rms = std::sqrt(squares / double(std::max<size_t>(1, b.size())));
  for (size_t i = 0; i < a.size(); ++i)
    if (std::abs(double(a[i]) - b[i]) > rtol * (std::abs(double(b[i])) + rms))
      return ::testing::AssertionFailure() << "element " << i << ": " << a[i] << " vs " << b[i];
  return ::testing::AssertionSuccess();
}

// One process, 2 and 4 ranks: the same metrics and weights, for `model`.
void expect_ranks_train_the_same(const std::string& model, const fs::path& root,
                                 const std::function<Output(int, const fs::path&)>& train) {
  SCOPED_TRACE(model);
  std::vector<fs::path> runs;
  for (int ranks : {1, 2, 4}) {
    runs.push_back(root / (fs::path(model).stem().string() + "-same" + std::to_string(ranks)));
    const Output o = train(ranks, runs.back());
    ASSERT_EQ(o.exit_code, 0) << o.err;
    // Bitwise-identical parameters on every rank after every step (the trainer's test hook).
    if (ranks > 1) {
      EXPECT_NE(o.err.find("replicas: the " + std::to_string(ranks) +
                           " ranks held bitwise-identical parameters after each of 9 steps"),
                std::string::npos)
          << o.err;
    }
    EXPECT_EQ(occurrences(o.err, "epoch 3/3"), 1u) << "rank 0 alone logs:\n" << o.err;
  }
  const std::vector<json> one = read_metrics(runs[0]);
  ASSERT_EQ(one.size(), 3u);
  const relunet::Checkpoint reference = relunet::load_checkpoint(runs[0] / "last.ckpt");
  for (size_t k = 1; k < runs.size(); ++k) {
    SCOPED_TRACE(runs[k].filename().string());
    const std::vector<json> many = read_metrics(runs[k]);
    ASSERT_EQ(many.size(), one.size());
    for (size_t e = 0; e < one.size(); ++e) {
      for (const char* field : {"train_loss", "train_accuracy", "val_loss", "val_accuracy", "lr"})
        EXPECT_NEAR(many[e][field].get<double>(), one[e][field].get<double>(),
                    1e-5 * std::abs(one[e][field].get<double>()))
            << field << ", epoch " << e + 1;
      EXPECT_EQ(many[e]["step"], one[e]["step"]);
      for (const char* split : {"train", "val"})
        for (size_t l = 0; l < one[e]["units"][split].size(); ++l)
          for (const char* count : {"images", "dead"})
            EXPECT_EQ(many[e]["units"][split][l][count], one[e]["units"][split][l][count])
                << split << " layer " << l << " " << count << ", epoch " << e + 1;
    }
    const relunet::Checkpoint c = relunet::load_checkpoint(runs[k] / "last.ckpt");
    ASSERT_EQ(c.params.size(), reference.params.size());
    for (size_t t = 0; t < c.params.size(); ++t)
      EXPECT_TRUE(near(c.params[t].data, reference.params[t].data, 1e-5)) << c.params[t].name;
  }
}

TEST_F(DataParallel, OneTwoAndFourRanksTrainTheSameModel) {
  for (const std::string& model : {std::string("tiny"), (root_ / "tiny-dropout.json").string()})
    expect_ranks_train_the_same(model, root_, [&](int ranks, const fs::path& out) {
      return run(ranks, train_args("small", out, 3, model));
    });
}

// Two ways to stop an MPI run. Ctrl-C (or SIGTERM) to mpirun: Open MPI 4 sends the ranks SIGCONT,
// then SIGTERM odls_base_sigkill_timeout seconds later, then SIGKILL as long after that, so the
// step in progress and the checkpoint must fit in that time. The default, 1 s, was too short on a
// loaded CI machine (two test processes per core, fsyncs queued behind theirs), so the run uses
// README's remedy, 3 s. SIGUSR1 to mpirun: passed on to every rank at once, and nothing kills them.
TEST_F(DataParallel, InterruptedRunResumesExactlyUnderTheSameRankCount) {
  const fs::path whole = root_ / "whole";
  // From epoch 2 on every step takes at least 60 ms, so epoch 2 lasts at least 5.5 s: the SIGTERM,
  // 3 s after the signal sent when epoch 1's checkpoint appears, reaches the ranks in it on a fast
  // machine too. Timing leaves the results alone.
  const std::vector<std::string> slow = {"RELUNET_TEST_SLOWDOWN_EPOCH=2:0.06",
                                         "OMPI_MCA_odls_base_sigkill_timeout=3"};
  const Output reference = run(2, train_args("larger", whole, 2), slow);
  ASSERT_EQ(reference.exit_code, 0) << reference.err;
  const std::vector<json> a = read_metrics(whole);

  for (const auto& [sent, received] : {std::pair{SIGINT, "SIGTERM"}, std::pair{SIGUSR1, "SIGUSR1"}}) {
    SCOPED_TRACE(received);
    const fs::path cut = root_ / (std::string("cut-") + received);
    const Output stopped = run(2, train_args("larger", cut, 2), slow, [&](pid_t pid) {
      const auto deadline = Clock::now() + std::chrono::seconds(kTimeoutSeconds);
      while (!fs::exists(cut / "last.ckpt") && Clock::now() < deadline)
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
      kill(pid, sent);
    });
    ASSERT_NE(stopped.exit_code, 0) << "the run finished before the signal:\n" << stopped.err;
    EXPECT_EQ(occurrences(stopped.err, std::string(received) + ": stopped at "), 1u)
        << stopped.err;
    EXPECT_NE(stopped.err.find("mpirun -np 2 relunet train --out"), std::string::npos) << stopped.err;

    const std::vector<std::string> resume = {"train", "--resume", "--out", cut.string(), "--data",
                                             (root_ / "larger").string()};
    const Output refused = run(4, resume);  // one process: tests/test_bad_inputs.cpp
    EXPECT_EQ(refused.exit_code, 1) << refused.err;
    EXPECT_EQ(occurrences(refused.err, "was trained by 2 processes, this run has 4"), 1u) << refused.err;
    const Output resumed = run(2, resume);
    ASSERT_EQ(resumed.exit_code, 0) << resumed.err;
    const std::vector<json> b = read_metrics(cut);
    ASSERT_EQ(b.size(), a.size()) << stopped.err;
    for (size_t e = 0; e < a.size(); ++e)
      for (const char* field : {"step", "lr", "train_loss", "train_accuracy", "val_loss", "val_accuracy"})
        EXPECT_EQ(b[e][field].dump(), a[e][field].dump()) << field << ", epoch " << e + 1 << "\n" << stopped.err;
  }
}

TEST_F(DataParallel, AFailingRankEndsTheJob) {
  // One rank throws (bad input on its shard, say) or dies; the other waits in a collective.
  for (const char* how : {"throw", "kill"}) {
    SCOPED_TRACE(how);
    const Output o = run(2, train_args("small", root_ / (std::string("fail-") + how), 3),
                         {std::string("RELUNET_TEST_FAIL_RANK=1:2:") + how});
    EXPECT_NE(o.exit_code, 0) << o.err;
    if (std::string(how) == "throw") {
      EXPECT_EQ(occurrences(o.err, "rank 1: test hook: rank 1 fails at step 2"), 1u) << o.err;
    }
  }
}

TEST_F(DataParallel, RefusesABatchThatDoesNotDivideAndSingleProcessCommands) {
  std::vector<std::string> args = train_args("small", root_ / "indivisible", 1);
  args[8] = "6";  // --batch 6 over 4 ranks
  const Output o = run(4, args);
  EXPECT_EQ(o.exit_code, 1) << o.err;
  EXPECT_EQ(occurrences(o.err, "--batch 6 does not divide among the 4 processes"), 1u) << o.err;
  EXPECT_FALSE(fs::exists(root_ / "indivisible")) << "a refused run writes nothing";

  const Output eval = run(2, {"eval", "--checkpoint", "none.ckpt"});
  EXPECT_EQ(eval.exit_code, 1) << eval.err;
  EXPECT_EQ(occurrences(eval.err, "relunet eval runs in one process"), 1u) << eval.err;
}

TEST_F(DataParallel, BenchReportsAllreduceTimeAndScalingEfficiency) {
  const Output o = run(2, {"bench", "--model", "tiny", "--batch", "8", "--iters", "3", "--warmup", "1",
                           "--repeats", "1", "--json"});
  ASSERT_EQ(o.exit_code, 0) << o.err;
  const json j = json::parse(o.out);  // rank 0's line only
  EXPECT_EQ(j["ranks"], 2);
  EXPECT_EQ(j["rank_batch"], 4);
  EXPECT_GT(j["allreduce_bytes"].get<int64_t>(), 4 * 8 * 3 * 9);  // at least conv1's weights
  EXPECT_GT(j["allreduce_seconds"].get<double>(), 0);
  EXPECT_GT(j["scaling_efficiency"].get<double>(), 0);
  EXPECT_GT(j["train_images_per_second"].get<double>(), 0);
}

}  // namespace
