#include "io/json_text.hpp"

#include <algorithm>
#include <set>
#include <stdexcept>
#include <vector>

namespace relunet {
namespace {

using nlohmann::json;

// nlohmann's message without its "[json.exception.x.y] " tag and "parse error at line..: " lead,
// which counts columns in a way that is off at line ends.
std::string library_message(const json::exception& e) {
  std::string message = e.what();
  const size_t tag_end = message.find("] ");
  if (tag_end != std::string::npos) message = message.substr(tag_end + 2);
  if (message.rfind("parse error at line", 0) == 0) {
    const size_t lead_end = message.find(": ");
    if (lead_end != std::string::npos) message = message.substr(lead_end + 2);
  }
  return message;
}

// 1-based line and column of the character at 1-based byte position `byte` (nlohmann's position
// of the last character it read).
std::string line_and_column(std::string_view text, size_t byte) {
  const size_t index = std::min(byte > 0 ? byte - 1 : 0, text.size());
  const size_t line_start = index == 0 ? 0 : text.rfind('\n', index - 1) + 1;  // npos + 1 == 0
  const size_t line = 1 + static_cast<size_t>(std::count(text.begin(), text.begin() + index, '\n'));
  return "line " + std::to_string(line) + ", column " + std::to_string(index - line_start + 1);
}

std::string shortened(const std::string& text) {
  return text.size() <= 40 ? text : text.substr(0, 37) + "...";
}

}  // namespace

json parse_json(std::string_view text, size_t max_bytes) {
  if (text.size() > max_bytes)
    throw std::runtime_error("invalid JSON: " + std::to_string(text.size()) +
                             " bytes is over the limit of " + std::to_string(max_bytes));
  std::vector<std::set<std::string>> open_objects;
  const json::parser_callback_t check = [&](int depth, json::parse_event_t event, json& parsed) {
    if ((event == json::parse_event_t::object_start || event == json::parse_event_t::array_start) &&
        depth >= kMaxJsonDepth)
      throw std::runtime_error("invalid JSON: nested deeper than " + std::to_string(kMaxJsonDepth) +
                               " levels");
    if (event == json::parse_event_t::object_start) open_objects.emplace_back();
    if (event == json::parse_event_t::object_end) open_objects.pop_back();
    if (event == json::parse_event_t::key && !open_objects.back().insert(parsed.get<std::string>()).second)
      throw std::runtime_error("invalid JSON: the key " + json_excerpt(parsed) +
                               " appears twice in one object");
    return true;
  };
  try {
    return json::parse(text, check);
  } catch (const json::parse_error& e) {
    throw std::runtime_error(line_and_column(text, e.byte) + ": invalid JSON: " + library_message(e));
  } catch (const json::exception& e) {
    throw std::runtime_error("invalid JSON: " + library_message(e));
  }
}

std::string json_excerpt(const json& value) {
  if (value.is_array()) return "an array of " + std::to_string(value.size()) + " items";
  if (value.is_object()) return "an object of " + std::to_string(value.size()) + " fields";
  if (value.is_string()) {
    const std::string& s = value.get_ref<const std::string&>();
    return shortened(json_line(json(s.substr(0, 40))));
  }
  return shortened(json_line(value));
}

std::string json_line(const json& value) { return value.dump(-1, ' ', false, json::error_handler_t::replace); }

std::string json_line(const nlohmann::ordered_json& value) {
  return value.dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace relunet
