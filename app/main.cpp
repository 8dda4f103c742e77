// relunet — train, evaluate and inspect AlexNet-style CNNs on oneDNN.
#include <cstdlib>
#include <exception>
#include <vector>

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include "commands.hpp"
#include "core/context.hpp"

namespace relunet::cli {

std::string models_dir() {
  if (const char* env = std::getenv("RELUNET_MODELS"); env && *env) return env;
  return RELUNET_MODELS_DIR;
}

}  // namespace relunet::cli

int main(int argc, char** argv) {
  // Logs go to stderr so that stdout carries only results (tables, --json).
  spdlog::set_default_logger(spdlog::stderr_color_st("relunet"));
  spdlog::set_pattern("%^[%H:%M:%S]%$ %v");

  CLI::App app{"relunet: train, evaluate and inspect AlexNet-style CNNs with oneDNN"};
  app.require_subcommand(1);
  app.fallthrough();  // global options may follow the subcommand: `relunet train --threads 2`
  int threads = 0;
  app.add_option("--threads", threads, "Threads for oneDNN and OpenMP (default: all cores)")
      ->check(CLI::NonNegativeNumber);
  const std::vector<relunet::cli::Command> commands = {relunet::cli::add_train(app),
                                                       relunet::cli::add_eval(app),
                                                       relunet::cli::add_bench(app),
                                                       relunet::cli::add_inspect(app),
                                                       relunet::cli::add_classify(app)};
  try {
    app.parse(argc, argv);
    relunet::set_threads(threads);
    for (const auto& command : commands)
      if (command.app->parsed()) return command.run();
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  } catch (const std::exception& e) {
    spdlog::error("{}", e.what());
    return 1;
  }
  return 0;
}
