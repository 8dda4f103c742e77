#include "train/resume_checks.hpp"

#include <stdexcept>

#include <fmt/format.h>

namespace relunet {
namespace {

// How an option's value reads on the command line.
std::string option_text(const nlohmann::json& value) {
  if (value.is_string()) return value.get<std::string>();
  if (value.is_number_float()) return fmt::format("{:g}", value.get<double>());
  return value.dump();
}

}  // namespace

// A resumed run keeps the options it started with (`saved`): an option given again on the
// command line must have the same value.
void reject_changed_options(const TrainRun& run, const TrainOptions& saved,
                            const std::string& last_path) {
  const nlohmann::json asked = to_json(run.options), kept = to_json(saved);
  for (const GivenOption& given : run.given_options) {
    const nlohmann::json::json_pointer at(given.pointer);
    if (asked.at(at) == kept.at(at)) continue;
    const bool flag = kept.at(at).is_boolean();  // given, so the run was made without it
    throw std::runtime_error(
        last_path + " continues a run made " +
        (flag ? "without " + given.flag : "with " + given.flag + " " + option_text(kept.at(at))) +
        ": leave out " + given.flag + (flag ? "" : " " + option_text(asked.at(at))) +
        " (a resumed run keeps its options), or start a new run with another --out");
  }
}

void check_ranks(const TrainOptions& o, const RunState& s, bool resumed, int ranks,
                 const std::string& last_path) {
  if (resumed && s.ranks != ranks)
    throw std::runtime_error(fmt::format(
        "{} was trained by {} process{}, this run has {}: resume it with {} (the data shards and "
        "batch-norm statistics depend on the count)",
        last_path, s.ranks, s.ranks == 1 ? "" : "es", ranks,
        s.ranks == 1 ? std::string("one process, without mpirun") : fmt::format("mpirun -np {}", s.ranks)));
  if (o.batch % ranks != 0)
    throw std::runtime_error(fmt::format(
        "--batch {} does not divide among the {} processes of this run: --batch is the global "
        "batch, split evenly over the ranks; use a multiple of {}",
        o.batch, ranks, ranks));
}

}  // namespace relunet
