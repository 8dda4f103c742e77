#include "io/class_names.hpp"

#include <map>

#include "io/printable.hpp"

namespace relunet {

std::string class_names_problem(const std::vector<std::string>& names) {
  std::map<std::string, size_t> first_at;
  for (size_t i = 0; i < names.size(); ++i) {
    if (names[i].empty()) return "class name #" + std::to_string(i) + " is empty";
    const auto [at, added] = first_at.emplace(names[i], i);
    if (!added)
      return "class names #" + std::to_string(at->second) + " and #" + std::to_string(i) + " are both '" +
             printable(names[i]) + "'";
  }
  return "";
}

}  // namespace relunet
