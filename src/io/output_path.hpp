// output_path.hpp — where a command will write, checked before it does any work, so that an
// output path the write would fail on (a directory named as the file, a file named as the
// directory, a missing or read-only parent) is refused at once, not after a run or a pass over
// the data. Errors read "OPTION PATH: what is wrong".
#pragma once

#include <string>

namespace relunet {

// A file to be written (replaced if it exists): not a directory, in an existing, writable one, and
// not the file `input` that the command reads (a checkpoint replaced by its own report).
void check_output_file(const std::string& path, const std::string& option, const std::string& input);

// A directory to be written into, created with its missing parents if need be.
void check_output_directory(const std::string& path, const std::string& option);

// Creates `path` and its missing parents; throws naming the path and the system's reason.
void create_output_directory(const std::string& path);

}  // namespace relunet
