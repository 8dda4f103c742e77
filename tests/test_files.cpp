#include "test_files.hpp"

#include <fcntl.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>

#include <fstream>
#include <iterator>
#include <stdexcept>

extern char** environ;

namespace relunet::test {

namespace fs = std::filesystem;

std::string read_bytes(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

void write_bytes(const fs::path& path, const std::string& bytes) {
  if (path.has_parent_path()) fs::create_directories(path.parent_path());
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), std::streamsize(bytes.size()));
  if (!out) throw std::runtime_error("cannot write test file " + path.string());
}

Process start_relunet(const fs::path& dir, std::vector<std::string> args,
                      const std::vector<std::string>& env) {
  args.insert(args.begin(), RELUNET_BINARY);
  args.insert(args.end(), {"--threads", "1"});
  return start_command(dir, std::move(args), env);
}

Process start_command(const fs::path& dir, std::vector<std::string> args,
                      const std::vector<std::string>& env) {
  Process p{-1, dir / "stdout.txt", dir / "stderr.txt"};
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::vector<std::string> env_strings(env);
  for (char** e = environ; *e; ++e) env_strings.push_back(*e);  // earlier entries win in getenv
  std::vector<char*> envp;
  for (std::string& e : env_strings) envp.push_back(e.data());
  envp.push_back(nullptr);

  posix_spawn_file_actions_t files;
  posix_spawn_file_actions_init(&files);
  posix_spawn_file_actions_addopen(&files, 1, p.out_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&files, 2, p.err_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  const int error = posix_spawn(&p.pid, argv[0], &files, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&files);
  if (error != 0) throw std::runtime_error("cannot start " + args.front());
  return p;
}

Output finish(const Process& p) {
  int status = 0;
  rusage usage{};
  if (wait4(p.pid, &status, 0, &usage) != p.pid) throw std::runtime_error("wait4 failed");
  Output o;
  o.peak_rss_kib = usage.ru_maxrss;
  o.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  o.out = read_bytes(p.out_file);
  o.err = read_bytes(p.err_file);
  return o;
}

Output run_relunet(const fs::path& dir, std::vector<std::string> args,
                   const std::vector<std::string>& env) {
  return finish(start_relunet(dir, std::move(args), env));
}

}  // namespace relunet::test
