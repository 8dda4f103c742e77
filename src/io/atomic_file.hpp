// atomic_file.hpp — replace a file's whole content so that a crash leaves either the old or the
// new content, never a mix (checkpoints, metrics, JSON reports).
#pragma once

#include <string>
#include <string_view>

namespace relunet {

// Writes `contents` to `<path>.tmp.<pid>` in the same directory, fsyncs it, renames it over
// `path`, then fsyncs the directory so the rename itself is durable. The directory must already
// exist. On failure removes the temp file and throws std::runtime_error naming the path and the
// system's reason; the old file, if any, is untouched.
void write_file_atomically(const std::string& path, std::string_view contents);

}  // namespace relunet
