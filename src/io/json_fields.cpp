#include "io/json_fields.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>
#include <stdexcept>

#include "io/json_text.hpp"

namespace relunet {

using nlohmann::json;

FieldReader::FieldReader(const json& object, std::string context) : object_(object), context_(std::move(context)) {
  if (!object_.is_object()) throw std::runtime_error(context_ + "must be a JSON object, got " + json_excerpt(object_));
}

const json* FieldReader::find(const std::string& key) {
  if (std::find(known_.begin(), known_.end(), key) == known_.end()) known_.push_back(key);
  const auto it = object_.find(key);
  return it == object_.end() ? nullptr : &*it;
}

const json& FieldReader::required(const std::string& key) {
  const json* value = find(key);
  if (value == nullptr) fail(key, "missing (it is required)");
  return *value;
}

int64_t FieldReader::integer(const std::string& key, std::optional<int64_t> fallback) {
  const json* value = find(key);
  if (value == nullptr && !fallback && first_missing_.empty()) first_missing_ = key;
  if (value == nullptr) return fallback.value_or(0);
  if (!value->is_number_integer()) fail(key, "must be an integer, got " + json_excerpt(*value));
  if (value->is_number_unsigned() && value->get<uint64_t>() > uint64_t{INT64_MAX}) fail(key, "is too large");
  return value->get<int64_t>();
}

float FieldReader::number(const std::string& key, float fallback) {
  const json* value = find(key);
  if (value == nullptr) return fallback;
  if (!value->is_number()) fail(key, "must be a number, got " + json_excerpt(*value));
  const double v = value->get<double>();
  if (!(std::abs(v) <= std::numeric_limits<float>::max())) fail(key, "is out of range, got " + json_excerpt(*value));
  return static_cast<float>(v);
}

bool FieldReader::boolean(const std::string& key, bool fallback) {
  const json* value = find(key);
  if (value == nullptr) return fallback;
  if (!value->is_boolean()) fail(key, "must be true or false, got " + json_excerpt(*value));
  return value->get<bool>();
}

std::optional<std::string> FieldReader::text(const std::string& key) {
  const json* value = find(key);
  if (value == nullptr) return std::nullopt;
  if (!value->is_string() || value->get_ref<const std::string&>().empty())
    fail(key, "must be a non-empty string, got " + json_excerpt(*value));
  return value->get<std::string>();
}

std::string FieldReader::required_text(const std::string& key) {
  required(key);
  return *text(key);
}

void FieldReader::finish(const std::string& owner) const {
  for (const auto& item : object_.items()) {
    if (std::find(known_.begin(), known_.end(), item.key()) != known_.end()) continue;
    std::string valid;
    for (const std::string& key : known_) valid += (valid.empty() ? "" : ", ") + key;
    fail(item.key(), "unknown field for " + owner + "; valid fields: " + valid);
  }
  if (!first_missing_.empty()) fail(first_missing_, "missing (it is required)");
}

void FieldReader::fail(const std::string& key, const std::string& problem) const {
  throw std::runtime_error(context_ + "field \"" + key + "\": " + problem);
}

double json_number(float v) {
  const std::string text = float_text(v);
  double value = 0;
  std::from_chars(text.data(), text.data() + text.size(), value);
  return value;
}

}  // namespace relunet
