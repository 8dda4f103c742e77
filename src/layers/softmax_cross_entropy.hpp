// softmax_cross_entropy.hpp — the loss: L = -1/N sum_n sum_k t[n,k] log softmax(z[n])_k, with
// targets t = (1 - eps) onehot(label) + eps / K (label smoothing eps, 0 by default).
// Forward: oneDNN's log-softmax; backward: dL/dz = (softmax(z) - t) / N.
// Shapes: logits z N x K (plain nc); only the first `count` rows of a batch are valid.
#pragma once

#include <cstdint>
#include <unordered_map>
#include <vector>

#include <oneapi/dnnl/dnnl.hpp>

namespace relunet {

struct LossResult {
  double loss_sum = 0.0;  // summed over valid rows (divide by count for the mean)
  int64_t correct = 0;    // rows whose arg-max equals the label
};

class SoftmaxCrossEntropy {
 public:
  // `logits` and `diff_logits` are the network's output and its gradient buffer.
  SoftmaxCrossEntropy(const dnnl::memory& logits, const dnnl::memory& diff_logits,
                      float label_smoothing);
  LossResult forward(dnnl::stream& stream, const int32_t* labels, int64_t count);
  void backward();  // uses the labels and count of the last forward
  // log-probabilities of the last forward, N x K row-major
  const float* log_probabilities() const { return log_probs_.data(); }
  // arg-max class of each valid row of the last forward
  const std::vector<int32_t>& predictions() const { return predictions_; }
  int64_t classes() const { return classes_; }

 private:
  int64_t batch_, classes_;
  float smoothing_;
  std::vector<float> log_probs_;
  std::vector<int32_t> predictions_;
  dnnl::memory logits_, diff_logits_, log_probs_mem_;
  dnnl::logsoftmax_forward log_softmax_;
  std::unordered_map<int, dnnl::memory> log_softmax_args_;
  const int32_t* labels_ = nullptr;
  int64_t count_ = 0;
};

}  // namespace relunet
