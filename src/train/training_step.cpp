#include "train/training_step.hpp"

namespace relunet {

LossResult TrainingStep::forward(const int32_t* labels, int64_t count, uint64_t step) {
  net_.forward(Pass::training_step(step).of_shard(shard_, shards_));
  return loss_.forward(net_.context().stream, labels, count);
}

void TrainingStep::backward() {
  loss_.backward();
  net_.backward(gradient_flow_.observer());
}

void TrainingStep::update(float lr) {
  if (gradients_) gradients_->average();
  sgd_.step(lr, gradient_flow_.update_norms());
  if (batch_statistics_) batch_statistics_->average();
  gradient_flow_.end_step(true);
}

}  // namespace relunet
