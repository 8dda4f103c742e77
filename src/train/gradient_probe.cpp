#include "train/gradient_probe.hpp"

#include <algorithm>

#include "net/batch_input.hpp"
#include "train/progress.hpp"

namespace relunet {

GradientProbe probe_gradients(Network& net, SoftmaxCrossEntropy& loss, BatchLoader& loader, int64_t batches) {
  std::vector<Param*> trainable;
  for (Param* p : net.params())
    if (p->trainable()) trainable.push_back(p);
  GradientFlow flow(net, trainable, true);
  GradientProbe probe;
  const int64_t total = std::min<int64_t>(batches, loader.batches_per_epoch());
  Progress progress("gradients", total);
  double loss_sum = 0;
  loader.start_epoch(0);
  Batch batch;
  while (probe.batches < total && loader.next(batch)) {
    load_batch(net, batch);
    net.forward(Pass::training_step(uint64_t(probe.batches)));
    loss_sum += loss.forward(net.context().stream, batch.labels, batch.count).loss_sum;
    loss.backward();
    flow.set_valid_images(batch.count);
    net.backward(flow.observer());
    flow.end_step(false);
    ++probe.batches;
    probe.images += batch.count;
    progress.update(probe.batches);
  }
  progress.finish();
  if (probe.images > 0) probe.loss = loss_sum / double(probe.images);
  probe.layers = flow.report();
  return probe;
}

}  // namespace relunet
