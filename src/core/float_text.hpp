// float_text.hpp — the shortest text of a float, for model files and activation spellings.
#pragma once

#include <charconv>
#include <string>

namespace relunet {

// Shortest decimal text that reads back as exactly `v` ("0.01", not "0.00999999978").
inline std::string float_text(float v) {
  char buf[32];
  const auto result = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, result.ptr);
}

}  // namespace relunet
