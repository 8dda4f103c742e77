// run_lock.hpp — a run's exclusive claim on its run directory. Checking that a directory holds
// no run and then creating it is a race: two runs started together would both pass and write
// one another's checkpoints. The claim is a flock on the directory itself (no lock file), held
// until the run ends; the kernel releases it when the process dies, however it dies.
#pragma once

#include <string>

namespace relunet {

class RunDirectoryLock {
 public:
  // Creates `dir` (and its parents) if needed and locks it; throws std::runtime_error if another
  // process holds it.
  explicit RunDirectoryLock(const std::string& dir);
  ~RunDirectoryLock();
  RunDirectoryLock(const RunDirectoryLock&) = delete;
  RunDirectoryLock& operator=(const RunDirectoryLock&) = delete;

 private:
  int fd_ = -1;
};

}  // namespace relunet
