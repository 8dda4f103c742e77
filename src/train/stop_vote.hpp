// stop_vote.hpp — the ranks of a run stop together. At each safe point (after setup, after every
// step, after every epoch) each rank votes with the signal it has received, if any; the votes are
// summed over the ranks, and a signal any rank received stops them all. After a step the vote
// travels with the loss sums, in the same allreduce.
#pragma once

#include <cstddef>
#include <iterator>

#include "dist/communicator.hpp"
#include "train/interrupt.hpp"

namespace relunet {

class StopVote {
 public:
  // One count per signal of kInterruptSignals.
  static constexpr size_t kSize = std::size(kInterruptSignals);

  explicit StopVote(const InterruptGuard& interrupt) : interrupt_(interrupt) {}

  // This rank's vote, written to votes[0, kSize).
  void cast(double* votes) const;
  // The votes summed over the ranks: true once any rank has received a signal (then signal()).
  bool count(const double* votes);
  // A vote of its own: cast, summed over the ranks, counted.
  bool agree(Communicator& comm);
  // The signal that stops the run; 0 while none has.
  int signal() const { return signal_; }

 private:
  const InterruptGuard& interrupt_;
  int signal_ = 0;
};

}  // namespace relunet
