// json_fields.hpp — reading the fields of one JSON object strictly (the model file's sections
// and layers): typed accessors with defaults, and any key no accessor asked for reported as a
// typo instead of silently ignored. Also the shortest text of a float, for writing such fields.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/float_text.hpp"

namespace relunet {

// Remembers which keys were asked for, so that any other key (a typo) is reported. A missing
// required integer is reported by finish(), after unknown keys, since a misspelt key is the
// likelier cause. Every error is a std::runtime_error "<context>field \"key\": problem".
class FieldReader {
 public:
  FieldReader(const nlohmann::json& object, std::string context);

  void set_context(std::string context) { context_ = std::move(context); }

  const nlohmann::json* find(const std::string& key);
  const nlohmann::json& required(const std::string& key);
  // No fallback: the field is required.
  int64_t integer(const std::string& key, std::optional<int64_t> fallback = std::nullopt);
  float number(const std::string& key, float fallback);
  bool boolean(const std::string& key, bool fallback);
  std::optional<std::string> text(const std::string& key);  // a non-empty string
  std::string required_text(const std::string& key);

  // Throws on the first key that no accessor asked for, listing the valid ones, then on the first
  // missing required integer.
  void finish(const std::string& owner) const;

  [[noreturn]] void fail(const std::string& key, const std::string& problem) const;

 private:
  const nlohmann::json& object_;
  std::string context_;
  std::vector<std::string> known_;
  std::string first_missing_;
};

// The JSON number whose shortest text is the float's (0.01f is written 0.01, not 0.009999999776).
double json_number(float v);

}  // namespace relunet
