#include "train/stop_vote.hpp"

namespace relunet {

void StopVote::cast(double* votes) const {
  for (size_t i = 0; i < kSize; ++i) votes[i] = interrupt_.signal_number() == kInterruptSignals[i] ? 1.0 : 0.0;
}

bool StopVote::count(const double* votes) {
  for (size_t i = 0; i < kSize; ++i)
    if (votes[i] > 0) signal_ = kInterruptSignals[i];
  return signal_ != 0;
}

bool StopVote::agree(Communicator& comm) {
  double votes[kSize];
  cast(votes);
  comm.allreduce(votes, kSize, ReduceOp::Sum);
  return count(votes);
}

}  // namespace relunet
