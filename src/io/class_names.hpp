// class_names.hpp — the rule every list of class names obeys (a data set's, a checkpoint's, an
// imported model's): each non-empty and distinct, since results are reported and keyed by name.
#pragma once

#include <string>
#include <vector>

namespace relunet {

// What is wrong with `names` ("class names #0 and #3 are both 'cat'"), or "" if nothing.
std::string class_names_problem(const std::vector<std::string>& names);

}  // namespace relunet
