#include "io/output_path.hpp"

#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <stdexcept>
#include <system_error>

namespace relunet {

namespace fs = std::filesystem;

namespace {

[[noreturn]] void refuse(const std::string& option, const std::string& path, const std::string& why) {
  throw std::runtime_error(option + " " + path + ": " + why);
}

// The path's parent as written, "." for a bare name.
fs::path parent_of(const fs::path& path) {
  const fs::path parent = path.parent_path();
  return parent.empty() ? fs::path(".") : parent;
}

// Whether `path` exists; an error (a search permission missing above it) counts as "not", so that
// the check moves up to the directory whose permission is at fault.
bool path_exists(const fs::path& path) {
  std::error_code error;
  return fs::exists(path, error);
}
bool names_directory(const fs::path& path) {
  std::error_code error;
  return fs::is_directory(path, error);
}

// `directory` (which exists) must be one that this process can create entries in.
void check_writable_directory(const fs::path& directory, const std::string& option, const std::string& path) {
  if (!names_directory(directory)) refuse(option, path, directory.string() + " is not a directory");
  if (::access(directory.c_str(), W_OK | X_OK) != 0) {
    const int error_number = errno;
    refuse(option, path, "cannot write in " + directory.string() + ": " +
                             std::system_category().message(error_number));
  }
}

}  // namespace

void check_output_file(const std::string& path, const std::string& option, const std::string& input) {
  if (names_directory(path)) refuse(option, path, "a directory, not a file");
  std::error_code error;
  if (fs::equivalent(path, input, error))
    refuse(option, path, "the file the command reads (" + input + "), which writing would destroy");
  const fs::path directory = parent_of(path);
  if (!path_exists(directory)) refuse(option, path, "the directory " + directory.string() + " does not exist");
  check_writable_directory(directory, option, path);
}

void check_output_directory(const std::string& path, const std::string& option) {
  if (path_exists(path)) {
    if (!names_directory(path)) refuse(option, path, "not a directory");
    check_writable_directory(path, option, path);
    return;
  }
  fs::path existing = parent_of(path);  // the nearest ancestor that exists, which creates the rest
  while (!path_exists(existing) && existing.has_relative_path()) existing = parent_of(existing);
  check_writable_directory(existing, option, path);
}

void create_output_directory(const std::string& path) {
  std::error_code error;
  fs::create_directories(path, error);
  if (error) throw std::runtime_error("cannot create the directory " + path + ": " + error.message());
}

}  // namespace relunet
