// atomic_file.cpp — temp file + fsync + rename + directory fsync, with POSIX calls so every
// step's errno reaches the error message.
#include "io/atomic_file.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <stdexcept>
#include <system_error>

namespace relunet {

namespace {

[[noreturn]] void fail(const std::string& path, const std::string& step, int error_number) {
  throw std::runtime_error("cannot write '" + path + "': " + step + ": " +
                           std::system_category().message(error_number));
}

std::string parent_directory(const std::string& path) {
  const std::string parent = std::filesystem::path(path).parent_path().string();
  return parent.empty() ? "." : parent;
}

// Returns false with errno set if a write fails.
bool write_all(int fd, std::string_view contents) {
  size_t written = 0;
  while (written < contents.size()) {
    const ssize_t n = ::write(fd, contents.data() + written, contents.size() - written);
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    written += static_cast<size_t>(n);
  }
  return true;
}

// Makes the rename durable: without it a crash can forget the new directory entry.
void sync_directory(const std::string& directory, const std::string& path) {
  const int fd = ::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) {
    const int error_number = errno;
    fail(path, "opening directory '" + directory + "' to fsync it", error_number);
  }
  if (::fsync(fd) != 0) {
    const int error_number = errno;
    ::close(fd);
    fail(path, "fsync of directory '" + directory + "'", error_number);
  }
  ::close(fd);
}

}  // namespace

void write_file_atomically(const std::string& path, std::string_view contents) {
  const std::string directory = parent_directory(path);
  const std::string temp_path = path + ".tmp." + std::to_string(::getpid());

  const int fd = ::open(temp_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) {
    const int error_number = errno;
    fail(path, "cannot create a file in directory '" + directory + "'", error_number);
  }

  // Once the temp file exists, every failure removes it before throwing. `step` is a literal so
  // that nothing runs between the failed call and the read of errno.
  const auto abandon = [&](const char* step, bool fd_open) {
    const int error_number = errno;
    if (fd_open) ::close(fd);
    ::unlink(temp_path.c_str());
    fail(path, std::string(step) + " (temp file '" + temp_path + "')", error_number);
  };
  if (!write_all(fd, contents)) abandon("write", true);
  if (::fsync(fd) != 0) abandon("fsync", true);
  if (::close(fd) != 0) abandon("close", false);
  if (::rename(temp_path.c_str(), path.c_str()) != 0) abandon("rename into place", false);

  sync_directory(directory, path);
}

}  // namespace relunet
