// option_checks.hpp — the ranges of the training options, in one place. A new run's command
// line and the options a checkpoint carries (resume, eval, inspect) go through the same checks,
// so a crafted or damaged checkpoint cannot run with a value the command line would refuse.
#pragma once

#include <stdexcept>
#include <string>

#include "model/model_spec.hpp"
#include "train/train_options.hpp"

namespace relunet {

// A value out of its option's range; `flag` is the option as typed ("--lr").
class OptionError : public std::runtime_error {
 public:
  OptionError(std::string flag, const std::string& problem)
      : std::runtime_error(flag + ": " + problem), flag_(std::move(flag)), problem_(problem) {}
  const std::string& flag() const { return flag_; }
  const std::string& problem() const { return problem_; }

 private:
  std::string flag_, problem_;
};

// Throws OptionError for the first value out of range or options that contradict each other.
void validate(const TrainOptions& o);

// The model a run trains has the run's --activation in every activation layer; throws
// std::runtime_error naming `origin` and both when a saved run's model and options disagree.
void check_activation(const ModelSpec& model, const TrainOptions& o, const std::string& origin);

}  // namespace relunet
