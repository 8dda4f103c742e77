#include "io/path_status.hpp"

#include <stdexcept>
#include <system_error>

namespace relunet {

std::filesystem::file_status path_status(const std::filesystem::path& path) {
  std::error_code error;
  const std::filesystem::file_status status = std::filesystem::status(path, error);
  if (error && error != std::errc::no_such_file_or_directory && error != std::errc::not_a_directory)
    throw std::runtime_error(path.string() + ": " + error.message());
  return status;
}

}  // namespace relunet
