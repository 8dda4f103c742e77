// printable.hpp — names from the outside world (file names, class names from folder names or
// checkpoints) as they may appear in a line of text output or an error message: control
// characters (a newline could forge a line, an escape sequence could rewrite the terminal) are
// shown as \xNN. Bytes that are not UTF-8 are left alone; text output does not interpret them.
#pragma once

#include <string>

namespace relunet {

std::string printable(const std::string& text);

}  // namespace relunet
