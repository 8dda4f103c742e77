// json_text.hpp — every JSON document relunet reads or writes goes through here: parsing with
// limits on size and nesting (a hostile file fails cleanly instead of exhausting the stack or
// memory), short excerpts of values for error messages, and output that never throws on a name
// that is not valid UTF-8.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace relunet {

// Deeper than any document relunet writes (a checkpoint's training state nests 5 levels).
constexpr int kMaxJsonDepth = 64;

// Parses `text`; throws std::runtime_error ("line 2, column 5: invalid JSON: ...") on a syntax
// error, a key repeated within one object, nesting deeper than kMaxJsonDepth, or a text longer
// than `max_bytes`. The message does not name the source: callers prefix it.
nlohmann::json parse_json(std::string_view text, size_t max_bytes);

// At most about 40 characters showing `value`: a scalar as JSON text, an array or object by its
// kind and size. Never serialises a whole document.
std::string json_excerpt(const nlohmann::json& value);

// `value` as one line of JSON; bytes that are not UTF-8 become U+FFFD instead of throwing.
std::string json_line(const nlohmann::json& value);
std::string json_line(const nlohmann::ordered_json& value);

}  // namespace relunet
