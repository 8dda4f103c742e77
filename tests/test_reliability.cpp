// test_reliability.cpp — issue #18 through the binary, for what is not a refused input: names
// that are not UTF-8 or hold a newline, the run directory's claim, a write that fails part-way
// through a run, and signals at any moment of a run. (Refused inputs are rows of
// test_bad_inputs.cpp.)
#include <gtest/gtest.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "test_files.hpp"

namespace {

using namespace relunet::test;
namespace fs = std::filesystem;
using nlohmann::json;
using Args = std::vector<std::string>;

const fs::path kShippedCheckpoint = RELUNET_SOURCE_DIR "/models/default.ckpt";
const fs::path kSampleImage = RELUNET_SOURCE_DIR "/models/samples/cat-00026.png";

constexpr int kRecordBytes = 3073;
constexpr int kRecordsPerFile = 4000;  // 20000 images: an epoch lasts a few seconds
constexpr const char* kValSize = "1000";

class Reliability : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    std::string pattern = ::testing::TempDir() + "relunet_reliability_XXXXXX";
    if (mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed: " + pattern);
    root_ = pattern;
    std::mt19937 rng(18);
    for (int file = 1; file <= 5; ++file) {
      std::string bytes(size_t(kRecordsPerFile) * kRecordBytes, '\0');
      for (size_t i = 0; i < bytes.size(); ++i)
        bytes[i] = char(i % kRecordBytes == 0 ? rng() % 10 : rng() % 256);
      write_bytes(data() / ("data_batch_" + std::to_string(file) + ".bin"), bytes);
    }
  }
  static void TearDownTestSuite() {
    std::error_code ignored;
    fs::remove_all(root_, ignored);
  }
  static fs::path data() { return root_ / "data"; }
  static Output relunet(const Args& args) { return run_relunet(root_, args); }
  // One epoch of the tiny model into `out`, in batches of 8.
  static Args train_args(const fs::path& out, const std::string& seed = "1") {
    return {"train", "--model", "tiny", "--data", data(), "--epochs", "1", "--val-size", kValSize,
            "--batch", "8", "--seed", seed, "--out", out};
  }

  static fs::path root_;
};

fs::path Reliability::root_;

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

bool running(pid_t pid) {
  int status = 0;
  return waitpid(pid, &status, WNOHANG) == 0;
}

// Waits until `pid` handles SIGINT itself (its SigCgt mask in /proc), so that a signal sent now
// reaches relunet's handler rather than ending a process still starting up.
bool wait_for_signal_handler(pid_t pid) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < deadline && running(pid)) {
    std::ifstream status("/proc/" + std::to_string(pid) + "/status");
    for (std::string line; std::getline(status, line);)
      if (line.rfind("SigCgt:", 0) == 0 && (std::stoull(line.substr(7), nullptr, 16) >> (SIGINT - 1)) & 1)
        return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return false;
}

// ---- Names -------------------------------------------------------------------------------------

TEST_F(Reliability, JsonOutputNeverAbortsOnAFileNameThatIsNotUtf8) {
  const fs::path dir = root_ / "latin1";
  fs::create_directories(dir);
  fs::copy_file(kSampleImage, dir / "caf\xe9.png");
  fs::copy_file(kSampleImage, dir / "zebra.png");
  const Output o = relunet({"classify", "--checkpoint", kShippedCheckpoint, dir, "--json"});
  EXPECT_EQ(o.exit_code, 0) << o.err;
  const auto lines = lines_of(o.out);
  ASSERT_EQ(lines.size(), 2u) << o.out << o.err;
  EXPECT_EQ(json::parse(lines[0]).at("file"), (dir / "caf\xef\xbf\xbd.png").string());  // U+FFFD
  EXPECT_EQ(json::parse(lines[1]).at("file"), (dir / "zebra.png").string());
}

TEST_F(Reliability, ANewlineInAFileNameCannotForgeALineOfTextOutput) {
  const fs::path dir = root_ / "newline";
  fs::create_directories(dir);
  fs::copy_file(kSampleImage, dir / "two\nlines.png");
  const Output o = relunet({"classify", "--checkpoint", kShippedCheckpoint, dir / "two\nlines.png"});
  EXPECT_EQ(o.exit_code, 0) << o.err;
  EXPECT_EQ(lines_of(o.out).size(), 1u) << o.out;
  EXPECT_EQ(o.out.rfind((dir / "two\\x0alines.png: ").string(), 0), 0u) << o.out;
}

// A class name comes from a folder name, which may be any bytes; eval --json still prints.
TEST_F(Reliability, JsonOutputNeverAbortsOnAClassNameThatIsNotUtf8) {
  const fs::path dir = root_ / "latin1-classes", images = dir / "images";
  for (const char* name : {"caf\xe9", "dog"})
    for (const char* file : {"a.png", "b.png"}) {
      fs::create_directories(images / name);
      fs::copy_file(kSampleImage, images / name / file);
    }
  write_bytes(dir / "model.json", R"({"name": "two", "input": {"channels": 3, "height": 8, "width": 8},
    "classes": 2, "layers": [{"type": "fc", "units": 2}]})");
  const Output trained = relunet({"train", "--model", dir / "model.json", "--data", images, "--epochs", "1",
                                  "--val-size", "2", "--batch", "2", "--out", dir / "run"});
  ASSERT_EQ(trained.exit_code, 0) << trained.err;
  const Output o = relunet({"eval", "--checkpoint", dir / "run/last.ckpt", "--data", images,
                            "--split", "val", "--json"});
  ASSERT_EQ(o.exit_code, 0) << o.err;
  EXPECT_EQ(json::parse(o.out).at("classes"), (json{"caf\xef\xbf\xbd", "dog"}));
}

// ---- Threads ---------------------------------------------------------------------------------------

// (Not in the bad-input table, whose commands all run with --threads 1.)
TEST_F(Reliability, ThreadsBeyondFourPerCoreAreRefusedOnTheCommandLine) {
  const fs::path err = root_ / "threads.err";
  const std::string command = std::string(RELUNET_BINARY) + " --threads 10000 eval --checkpoint " +
                              kShippedCheckpoint.string() + " >/dev/null 2>" + err.string();
  const int status = std::system(command.c_str());
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 2);
  const std::string message = read_bytes(err);
  EXPECT_NE(message.find("--threads: at most "), std::string::npos) << message;
  EXPECT_NE(message.find("(4 per core), got 10000"), std::string::npos) << message;
}

// ---- Standard output -------------------------------------------------------------------------------

// The results are the command's product: failing to write them (a full disk) is a failed command.
TEST_F(Reliability, ResultsThatCannotBeWrittenToStandardOutputFailTheCommand) {
  const fs::path image = root_ / "grey.ppm", err = root_ / "full.err";
  write_bytes(image, std::string("P6\n2 2\n255\n") + std::string(12, '\x80'));
  const std::string command = std::string(RELUNET_BINARY) + " --threads 1 classify --json --checkpoint " +
                              kShippedCheckpoint.string() + " " + image.string() + " >/dev/full 2>" +
                              err.string();
  const int status = std::system(command.c_str());
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 1);
  const std::string message = read_bytes(err);
  EXPECT_NE(message.find("cannot write the results to standard output: No space left on device"),
            std::string::npos)
      << message;
}

// ---- Permissions -----------------------------------------------------------------------------------

// Run without the power to override permissions (as root, which CI is, without the capabilities
// that give it: another user could not reach a clone in root's home): a subfolder that cannot be
// read is named and skipped, not the end of the listing; a data folder that cannot be searched is
// one line naming the file, not std::filesystem's raw text.
TEST_F(Reliability, FoldersThatCannotBeReadAreNamedAndSkipped) {
  const fs::path dir = root_ / "permissions";
  const std::string ppm = std::string("P6\n2 2\n255\n") + std::string(12, '\x80');
  write_bytes(dir / "photos/a.ppm", ppm);
  write_bytes(dir / "photos/locked/b.ppm", ppm);
  fs::copy(data(), dir / "unsearchable");
  fs::permissions(dir / "photos/locked", fs::perms::none);
  fs::permissions(dir / "unsearchable", fs::perms::owner_read | fs::perms::group_read | fs::perms::others_read);
  const std::string as_user =
      geteuid() == 0 ? "setpriv --inh-caps=-dac_override,-dac_read_search --bounding-set=-dac_override,-dac_read_search "
                     : "";
  const auto run = [&](const std::string& args) {
    const std::string command = as_user + RELUNET_BINARY + " --threads 1 " + args + " >" +
                                (dir / "out").string() + " 2>" + (dir / "err").string();
    const int status = std::system(command.c_str());
    return std::pair(WIFEXITED(status) ? WEXITSTATUS(status) : -1, read_bytes(dir / "out") + read_bytes(dir / "err"));
  };
  const auto [classified, listing] =
      run("classify --checkpoint " + kShippedCheckpoint.string() + " " + (dir / "photos").string());
  EXPECT_EQ(classified, 0) << listing;
  EXPECT_NE(listing.find((dir / "photos/a.ppm").string() + ": "), std::string::npos) << listing;
  EXPECT_NE(listing.find("a folder it cannot read): " + (dir / "photos/locked").string()), std::string::npos)
      << listing;
  const auto [evaluated, refusal] =
      run("eval --checkpoint " + kShippedCheckpoint.string() + " --data " + (dir / "unsearchable").string());
  EXPECT_EQ(evaluated, 1) << refusal;
  EXPECT_NE(refusal.find((dir / "unsearchable").string() + "/data_batch_1.bin: Permission denied"), std::string::npos)
      << refusal;
  EXPECT_EQ(refusal.find("filesystem error"), std::string::npos) << refusal;
  fs::permissions(dir / "photos/locked", fs::perms::owner_all);
  fs::permissions(dir / "unsearchable", fs::perms::owner_all);
}

// ---- The run directory ---------------------------------------------------------------------------

// Two runs into one --out: the second is refused while the first still runs, before it has
// written any checkpoint (the moment a "holds a run" check cannot see it).
TEST_F(Reliability, ASecondRunIntoTheSameDirectoryIsRefused) {
  const fs::path out = root_ / "shared-out";
  const Process first = start_relunet(root_, train_args(out));
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (!fs::exists(out / "metrics.jsonl") && running(first.pid) && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  ASSERT_TRUE(running(first.pid)) << "the first run ended early: " << read_bytes(first.err_file);
  const Output second = relunet(train_args(out, "2"));
  const bool first_still_running = running(first.pid);
  kill(first.pid, SIGTERM);
  finish(first);
  ASSERT_TRUE(first_still_running) << "the first run ended before the second was refused; the "
                                      "machine is too fast for this data set";
  EXPECT_EQ(second.exit_code, 1) << second.err;
  EXPECT_NE(second.err.find(out.string() + " is in use by another relunet run"), std::string::npos)
      << second.err;
}

// A disk that fills up during epoch 2 of 2 (a file-size limit put on the running process: its
// writes then fail with EFBIG, as on a full disk with ENOSPC): the run ends with one error that
// shows epoch 2's result, names the file and says that last.ckpt, epoch 1's, is unchanged and
// how to continue; continued with room, the run completes epoch 2.
TEST_F(Reliability, AWriteThatFailsAtAnEpochsEndLeavesTheRunResumable) {
  const fs::path out = root_ / "full-disk";
  Args args = train_args(out);
  *(std::find(args.begin(), args.end(), "--epochs") + 1) = "2";
  // The limit's signal, SIGXFSZ, would kill the run instead of failing the write: ignored here, and
  // so in the child (an ignored signal stays ignored across exec).
  const auto previous = signal(SIGXFSZ, SIG_IGN);
  // Epoch 2 lasts at least 2.4 s (2,375 steps of 1 ms), time enough to put the limit on.
  const Process p = start_relunet(root_, args, {"RELUNET_TEST_SLOWDOWN_EPOCH=2:0.001"});
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (!(fs::exists(out / "best.ckpt") && fs::exists(out / "last.ckpt")) && running(p.pid) &&
         std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  const std::string epoch1 = read_bytes(out / "last.ckpt");
  // Below a checkpoint's size (~280 KB for the tiny model), above the metrics' (~4 KB per epoch).
  const rlimit limit{64 << 10, RLIM_INFINITY};
  const bool limited = running(p.pid) && prlimit(p.pid, RLIMIT_FSIZE, &limit, nullptr) == 0;
  const Output failed = finish(p);
  signal(SIGXFSZ, previous);
  ASSERT_TRUE(limited) << "the run ended before epoch 2: " << failed.err;

  EXPECT_EQ(failed.exit_code, 1) << failed.err;
  const auto lines = lines_of(failed.err);
  ASSERT_GE(lines.size(), 2u) << failed.err;
  EXPECT_NE(lines[lines.size() - 2].find("epoch 2/2: train loss"), std::string::npos) << failed.err;
  const std::string& error = lines.back();
  EXPECT_NE(error.find("cannot write '" + out.string() + "/"), std::string::npos) << error;
  EXPECT_NE(error.find(".ckpt': write (temp file"), std::string::npos) << error;
  EXPECT_NE(error.find("File too large; " + (out / "last.ckpt").string() +
                       " is unchanged: continue from it with: relunet train --out " + out.string()),
            std::string::npos)
      << error;
  EXPECT_NE(error.find(" --resume"), std::string::npos) << error;
  EXPECT_EQ(read_bytes(out / "last.ckpt"), epoch1);
  for (const auto& entry : fs::directory_iterator(out))  // no temp file left behind
    EXPECT_EQ(entry.path().string().find(".tmp."), std::string::npos) << entry.path();

  const Output resumed = relunet({"train", "--resume", "--out", out, "--data", data()});
  EXPECT_EQ(resumed.exit_code, 0) << resumed.err;
  EXPECT_NE(resumed.err.find("epoch 2/2: train loss"), std::string::npos) << resumed.err;
  EXPECT_EQ(lines_of(read_bytes(out / "metrics.jsonl")).size(), 2u) << resumed.err;
  EXPECT_NE(read_bytes(out / "last.ckpt"), epoch1);
}

// ---- Signals -------------------------------------------------------------------------------------

struct Interruption {
  int signal;
  const char* name;
  int delay_ms;  // after the handler is installed: 0 is during setup, then training
};

// Whatever the moment, a signal ends the run with a resumable last.ckpt, a message that says
// how to resume, and exit code 128 + N; the resumed run then completes its (last) epoch.
TEST_F(Reliability, ASignalAtAnyMomentLeavesAResumableRunAndExits128PlusN) {
  const Interruption cases[] = {{SIGINT, "SIGINT", 0},    {SIGHUP, "SIGHUP", 0},
                                {SIGHUP, "SIGHUP", 300},  {SIGTERM, "SIGTERM", 1000},
                                {SIGINT, "SIGINT", 1800}};
  for (const Interruption& c : cases) {
    SCOPED_TRACE(std::string(c.name) + " after " + std::to_string(c.delay_ms) + " ms");
    const fs::path out = root_ / ("signal-" + std::string(c.name) + "-" + std::to_string(c.delay_ms));
    // Every step takes at least 1 ms: 2,375 steps outlast the latest signal on a fast machine too
    // (on a quiet Zen 5 the unslowed run once ended within 1.8 s).
    const Process p = start_relunet(root_, train_args(out), {"RELUNET_TEST_SLOWDOWN_EPOCH=1:0.001"});
    ASSERT_TRUE(wait_for_signal_handler(p.pid)) << read_bytes(p.err_file);
    std::this_thread::sleep_for(std::chrono::milliseconds(c.delay_ms));
    ASSERT_TRUE(running(p.pid)) << "the run ended before the signal: " << read_bytes(p.err_file);
    kill(p.pid, c.signal);
    const Output stopped = finish(p);
    EXPECT_EQ(stopped.exit_code, 128 + c.signal) << stopped.err;
    EXPECT_NE(stopped.err.find(std::string(c.name) + ": stopped at "), std::string::npos) << stopped.err;
    EXPECT_NE(stopped.err.find("--resume"), std::string::npos) << stopped.err;
    ASSERT_TRUE(fs::exists(out / "last.ckpt")) << stopped.err;

    const Output resumed = relunet({"train", "--resume", "--out", out, "--data", data()});
    EXPECT_EQ(resumed.exit_code, 0) << resumed.err;
    EXPECT_EQ(lines_of(read_bytes(out / "metrics.jsonl")).size(), 1u) << resumed.err;
  }
}

}  // namespace
