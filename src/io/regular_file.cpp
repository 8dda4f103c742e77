#include "io/regular_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <stdexcept>
#include <system_error>

namespace relunet {
namespace {

[[noreturn]] void fail_errno(const std::string& what) {
  const int error_number = errno;
  throw std::runtime_error(what + ": " + std::system_category().message(error_number));
}

const char* kind_of(mode_t mode) {
  if (S_ISDIR(mode)) return "a directory";
  if (S_ISFIFO(mode)) return "a FIFO";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  if (S_ISSOCK(mode)) return "a socket";
  return "a special file";
}

}  // namespace

RegularFile::RegularFile(const std::string& path) {
  // O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer, forever.
  fd_ = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
  if (fd_ < 0) fail_errno("cannot open");
  struct stat info {};
  if (::fstat(fd_, &info) != 0) {
    const int error_number = errno;
    ::close(fd_);
    throw std::runtime_error("cannot stat: " + std::system_category().message(error_number));
  }
  if (!S_ISREG(info.st_mode)) {
    ::close(fd_);
    throw std::runtime_error(std::string("not a regular file (") + kind_of(info.st_mode) + ")");
  }
  size_ = static_cast<uint64_t>(info.st_size);
}

RegularFile::~RegularFile() { ::close(fd_); }

void RegularFile::read(void* into, size_t count) {
  auto* bytes = static_cast<char*>(into);
  for (size_t filled = 0; filled < count;) {
    const ssize_t n = ::read(fd_, bytes + filled, count - filled);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) fail_errno("cannot read");
    if (n == 0) throw std::runtime_error("the file shrank while being read");
    filled += static_cast<size_t>(n);
  }
}

std::string read_regular_file(const std::string& path, uint64_t max_bytes) {
  RegularFile file(path);
  if (file.size() > max_bytes)
    throw std::runtime_error("file of " + std::to_string(file.size()) +
                             " bytes is over the limit of " + std::to_string(max_bytes) + " bytes");
  std::string bytes(static_cast<size_t>(file.size()), '\0');
  file.read(bytes.data(), bytes.size());
  return bytes;
}

}  // namespace relunet
