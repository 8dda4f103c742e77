// commands.hpp — one function per subcommand: each adds its subcommand and options to the CLI
// and returns the action that runs it once the command line is parsed.
#pragma once

#include <functional>
#include <string>

#include <CLI/CLI.hpp>

namespace relunet::cli {

struct Command {
  CLI::App* app;
  std::function<int()> run;  // returns the process exit code
  // Runs as one of several processes under an MPI launcher (train, bench); the others run alone.
  bool data_parallel = false;
};

Command add_train(CLI::App& app);
Command add_eval(CLI::App& app);
Command add_inspect(CLI::App& app);
Command add_bench(CLI::App& app);
Command add_classify(CLI::App& app);
Command add_export(CLI::App& app);
Command add_import(CLI::App& app);

// Number checks whose messages say what is wrong ("--epochs: 'three' is not a number"), unlike
// CLI11's PositiveNumber, which prints the whole range of a double.
extern const CLI::Validator kPositive;
extern const CLI::Validator kNonNegative;
// A check that runs `parse` on the value and reports what it throws ("--split: unknown split
// 'x' (use train, val or test)"), so a bad choice is a command-line error naming the option.
CLI::Validator parsed_by(std::function<void(const std::string&)> parse);

// --tta none|flip|flip-shift into `mode` (eval, inspect, classify; train's is saved with the run).
CLI::Option* add_tta_option(CLI::App* sub, std::string& mode, const std::string& help_extra = "");

// Where model files live: $RELUNET_MODELS if set, else the source tree's models/.
std::string models_dir();

}  // namespace relunet::cli
