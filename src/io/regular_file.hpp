// regular_file.hpp — the one way relunet opens a file it reads by name (images, checkpoints,
// model files, data files, class-name files, metrics). The open never blocks and anything but a
// regular file is refused, so a FIFO, a device or a directory named by mistake is a one-line
// error instead of a hang or a read of endless bytes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace relunet {

class RegularFile {
 public:
  // Throws std::runtime_error without the path, which callers add: "cannot open: No such file or
  // directory", "not a regular file (a FIFO)".
  explicit RegularFile(const std::string& path);
  ~RegularFile();
  RegularFile(const RegularFile&) = delete;
  RegularFile& operator=(const RegularFile&) = delete;

  uint64_t size() const { return size_; }
  // Reads `count` bytes into `into` from the current position; throws if the file ends first.
  void read(void* into, size_t count);

 private:
  int fd_ = -1;
  uint64_t size_ = 0;
};

// The whole file; over `max_bytes` is an error ("file of N bytes is over the limit of M").
std::string read_regular_file(const std::string& path, uint64_t max_bytes);

}  // namespace relunet
