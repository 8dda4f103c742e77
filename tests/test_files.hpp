// test_files.hpp — what the end-to-end tests share: whole-file reads and writes, and running the
// relunet binary (RELUNET_BINARY) with its output captured.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <string>
#include <vector>

namespace relunet::test {

std::string read_bytes(const std::filesystem::path& path);
// Creates missing parent directories; throws if the file cannot be written.
void write_bytes(const std::filesystem::path& path, const std::string& bytes);

struct Output {
  int exit_code = -1;  // 128 + signal number when killed by a signal
  std::string out, err;
  long peak_rss_kib = 0;  // the process's peak resident memory
};

// A started relunet process writing its stdout and stderr to files in `dir`.
struct Process {
  pid_t pid = -1;
  std::filesystem::path out_file, err_file;
};

// Starts the program `argv[0]` (a path) with arguments argv[1...], adding `env` (NAME=VALUE) to
// this process's environment; its stdout and stderr go to files in `dir`.
Process start_command(const std::filesystem::path& dir, std::vector<std::string> argv,
                      const std::vector<std::string>& env = {});
// Starts `relunet ARGS --threads 1`, adding `env` (NAME=VALUE) to this process's environment.
Process start_relunet(const std::filesystem::path& dir, std::vector<std::string> args,
                      const std::vector<std::string>& env = {});
Output finish(const Process& p);
// start_relunet, then finish.
Output run_relunet(const std::filesystem::path& dir, std::vector<std::string> args,
                   const std::vector<std::string>& env = {});

}  // namespace relunet::test
