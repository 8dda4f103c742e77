// path_status.hpp — whether a path the user named exists, and what it is, as std::filesystem
// says, except that an error other than "not there" (a folder above it that cannot be searched)
// is a std::runtime_error "PATH: Permission denied" instead of a filesystem_error's raw text or a
// misleading "no such file".
#pragma once

#include <filesystem>

namespace relunet {

std::filesystem::file_status path_status(const std::filesystem::path& path);
inline bool path_exists(const std::filesystem::path& path) { return std::filesystem::exists(path_status(path)); }
inline bool is_directory_path(const std::filesystem::path& path) {
  return std::filesystem::is_directory(path_status(path));
}

}  // namespace relunet
