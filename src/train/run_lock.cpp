#include "train/run_lock.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <stdexcept>
#include <system_error>

#include "io/output_path.hpp"

namespace relunet {

RunDirectoryLock::RunDirectoryLock(const std::string& dir) {
  create_output_directory(dir);
  fd_ = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd_ < 0)
    throw std::runtime_error(dir + ": cannot open the run directory: " +
                             std::system_category().message(errno));
  if (::flock(fd_, LOCK_EX | LOCK_NB) == 0) return;
  const int error_number = errno;
  ::close(fd_);
  if (error_number == EWOULDBLOCK)
    throw std::runtime_error(dir + " is in use by another relunet run: wait for it to end, or "
                             "choose another --out");
  throw std::runtime_error(dir + ": cannot lock the run directory: " +
                           std::system_category().message(error_number));
}

RunDirectoryLock::~RunDirectoryLock() { ::close(fd_); }

}  // namespace relunet
