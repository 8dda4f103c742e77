// relunet — train, evaluate and inspect AlexNet-style CNNs on oneDNN.
#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <functional>
#include <new>
#include <optional>
#include <thread>
#include <string>
#include <vector>

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include "commands.hpp"
#include "core/context.hpp"
#include "dist/communicator.hpp"
#include "io/printable.hpp"
#include "train/interrupt.hpp"
#include "net/tta.hpp"

namespace relunet::cli {
namespace {

CLI::Validator number_check(bool allow_zero) {
  return CLI::Validator(
      [allow_zero](std::string& text) -> std::string {
        double value = 0;
        if (!CLI::detail::lexical_cast(text, value)) return "'" + text + "' is not a number";
        if (value < 0 || (value == 0 && !allow_zero))
          return "must be " + std::string(allow_zero ? "zero or more" : "positive") + ", got " + text;
        return "";
      },
      allow_zero ? "NONNEGATIVE" : "POSITIVE");
}

}  // namespace

const CLI::Validator kPositive = number_check(false);
const CLI::Validator kNonNegative = number_check(true);

CLI::Validator parsed_by(std::function<void(const std::string&)> parse) {
  return CLI::Validator(
      [parse](std::string& text) -> std::string {
        try {
          parse(text);
        } catch (const std::exception& e) {
          return e.what();
        }
        return "";
      },
      "");
}

CLI::Option* add_tta_option(CLI::App* sub, std::string& mode, const std::string& help_extra) {
  return sub
      ->add_option("--tta", mode,
                   "Test-time augmentation: none | flip (the image and its mirror) | flip-shift "
                   "(also both shifted by one pixel: 6 views)" + help_extra)
      ->check(parsed_by(parse_tta))
      ->capture_default_str();
}

std::string models_dir() {
  if (const char* env = std::getenv("RELUNET_MODELS"); env && *env) return env;
  return RELUNET_MODELS_DIR;
}

}  // namespace relunet::cli

namespace {
// Exit codes: 1 for an error in the input or while running, 2 for a bad command line.
constexpr int kUsageError = 2;

// Reports an error and returns the exit code. In a job of several processes, a failing rank
// ends them all (the others would wait for it in their next collective operation forever): rank
// 0 reports at once, the others a moment later, so an error every rank meets (bad input) is
// reported once, before rank 0's abort ends the others.
int fail(const std::string& message, int exit_code) {
  relunet::Communicator& world = relunet::world();
  if (world.size() == 1) {
    spdlog::error("{}", message);
    return exit_code;
  }
  if (world.rank() != 0) std::this_thread::sleep_for(std::chrono::milliseconds(500));
  spdlog::error("{}{}", world.rank() == 0 ? "" : "rank " + std::to_string(world.rank()) + ": ", message);
  world.abort(exit_code);
}

}  // namespace

int main(int argc, char** argv) {
  // Logs go to stderr so that stdout carries only results (tables, --json).
  spdlog::set_default_logger(spdlog::stderr_color_st("relunet"));
  spdlog::set_pattern("%^[%H:%M:%S]%$ %v");

  CLI::App app{"relunet: train, evaluate and inspect AlexNet-style CNNs with oneDNN"};
  app.require_subcommand(1);
  app.fallthrough();  // global options may follow the subcommand: `relunet train --threads 2`
  int threads = 0;
  // More threads than this only compete for the cores (and can exhaust libgomp's resources).
  const int max_threads = 4 * int(std::max(1u, std::thread::hardware_concurrency()));
  app.add_option("--threads", threads, "Threads for oneDNN and OpenMP (default, or 0: all cores)")
      ->check(relunet::cli::kNonNegative)
      ->check(CLI::Validator(
          [max_threads](std::string& text) -> std::string {
            double value = 0;
            return CLI::detail::lexical_cast(text, value) && value <= max_threads ? "" : "at most " + std::to_string(max_threads) + " (4 per core), got " + text;
          },
          ""));
  const std::vector<relunet::cli::Command> commands = {relunet::cli::add_train(app),
                                                       relunet::cli::add_eval(app),
                                                       relunet::cli::add_bench(app),
                                                       relunet::cli::add_inspect(app),
                                                       relunet::cli::add_classify(app),
                                                       relunet::cli::add_export(app),
                                                       relunet::cli::add_import(app)};
  // A mistyped command would otherwise read as "a subcommand is required".
  if (argc > 1 && argv[1][0] != '-') {
    std::string names;
    bool known = false;
    for (const auto& command : commands) {
      names += (names.empty() ? "" : ", ") + command.app->get_name();
      known = known || command.app->get_name() == argv[1];
    }
    if (!known) {
      spdlog::error("unknown command '{}'; the commands are: {}", argv[1], names);
      return kUsageError;
    }
  }
  std::optional<relunet::MpiSession> mpi;  // MPI, when a launcher started this process
  try {
    mpi.emplace(argc, argv);
    // The ranks of a data-parallel run do the same work: rank 0 speaks for them.
    if (relunet::world().rank() != 0) spdlog::set_level(spdlog::level::err);
    app.parse(argc, argv);
    relunet::set_threads(threads);
    for (const auto& command : commands) {
      if (!command.app->parsed()) continue;
      if (relunet::world().size() > 1 && !command.data_parallel)
        throw std::runtime_error("relunet " + command.app->get_name() +
                                 " runs in one process; under an MPI launcher (mpirun -np " +
                                 std::to_string(relunet::world().size()) +
                                 ") only train and bench run");
      const int exit_code = command.run();
      // Results go to stdout: a full disk or a closed pipe there is a failed command, not exit 0.
      errno = 0;
      if (std::fflush(stdout) != 0 || std::ferror(stdout))
        throw std::runtime_error(std::string("cannot write the results to standard output") +
                                 (errno != 0 ? std::string(": ") + std::strerror(errno) : ""));
      return exit_code;
    }
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);  // --help
    // One line, like every other error, instead of CLI11's two.
    std::string help = "relunet --help";
    for (const auto& command : commands)
      if (command.app->parsed()) help = "relunet " + command.app->get_name() + " --help";
    return fail(relunet::printable(e.what()) + " (see " + help + ")", kUsageError);
  } catch (const std::bad_alloc&) {  // its what() is "std::bad_alloc"
    return fail("out of memory", 1);
  } catch (const std::exception& e) {
    return fail(relunet::printable(e.what()), 1);  // a name in it cannot start a line
  }
  return 0;
}
