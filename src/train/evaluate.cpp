#include "train/evaluate.hpp"

#include "net/batch_input.hpp"
#include "train/progress.hpp"

namespace relunet {

std::vector<std::optional<double>> EvalResult::per_class_accuracy() const {
  std::vector<std::optional<double>> acc;
  for (size_t k = 0; k < confusion.size(); ++k) {
    int64_t total = 0;
    for (auto n : confusion[k]) total += n;
    acc.push_back(total ? std::optional(double(confusion[k][k]) / double(total)) : std::nullopt);
  }
  return acc;
}

void sum_over_ranks(EvalResult& r, Communicator& comm) {
  if (comm.size() == 1) return;
  std::vector<int64_t> counts = {r.images};
  for (const auto& row : r.confusion) counts.insert(counts.end(), row.begin(), row.end());
  comm.allreduce(counts.data(), counts.size(), ReduceOp::Sum);
  const double loss_sum = comm.reduced(r.loss * double(r.images), ReduceOp::Sum);
  r.images = counts[0];
  int64_t correct = 0;
  for (size_t k = 0, at = 1; k < r.confusion.size(); ++k)
    for (size_t j = 0; j < r.confusion[k].size(); ++j, ++at) {
      r.confusion[k][j] = counts[at];
      if (j == k) correct += counts[at];
    }
  r.loss = r.images > 0 ? loss_sum / double(r.images) : 0.0;
  r.accuracy = r.images > 0 ? double(correct) / double(r.images) : 0.0;
}

EvalResult evaluate(Network& net, SoftmaxCrossEntropy& loss, BatchLoader& loader, bool unit_stats,
                    const std::string& progress_label, TtaMode tta) {
  const int64_t classes = loss.classes();
  EvalResult r;
  r.confusion.assign(classes, std::vector<int64_t>(classes, 0));
  if (unit_stats) enable_unit_stats(net, true);
  TtaForward forward(net, tta);
  Progress progress(progress_label, loader.batches_per_epoch());
  double loss_sum = 0.0;
  int64_t correct = 0;
  loader.start_epoch(0);
  Batch batch;
  while (loader.next(batch)) {
    load_batch(net, batch);
    forward.forward(batch.count);
    const auto res = loss.forward(net.context().stream, batch.labels, batch.count);
    loss_sum += res.loss_sum;
    correct += res.correct;
    for (int n = 0; n < batch.count; ++n) ++r.confusion[batch.labels[n]][loss.predictions()[n]];
    r.images += batch.count;
    progress.update(batch.index + 1);
  }
  progress.finish();
  if (r.images > 0) {
    r.loss = loss_sum / double(r.images);
    r.accuracy = double(correct) / double(r.images);
  }
  return r;
}

}  // namespace relunet
