#include "layers/softmax_cross_entropy.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace relunet {

SoftmaxCrossEntropy::SoftmaxCrossEntropy(const dnnl::memory& logits,
                                         const dnnl::memory& diff_logits, float label_smoothing)
    : smoothing_(label_smoothing), logits_(logits), diff_logits_(diff_logits) {
  const auto md = logits.get_desc();
  if (md.dims().size() != 2 || md != dnnl::memory::desc(md.dims(), dnnl::memory::data_type::f32,
                                                         dnnl::memory::format_tag::nc))
    throw std::logic_error("softmax cross-entropy expects plain N x K logits");
  batch_ = md.dims()[0];
  classes_ = md.dims()[1];
  log_probs_.resize(batch_ * classes_);
  predictions_.resize(batch_);
  log_probs_mem_ = dnnl::memory(md, logits.get_engine(), log_probs_.data());
  log_softmax_ = dnnl::logsoftmax_forward(
      {{dnnl::prop_kind::forward_inference, md, 1}, logits.get_engine()});
  log_softmax_args_ = {{DNNL_ARG_SRC, logits_}, {DNNL_ARG_DST, log_probs_mem_}};
}

LossResult SoftmaxCrossEntropy::forward(dnnl::stream& stream, const int32_t* labels, int64_t count) {
  log_softmax_.execute(stream, log_softmax_args_);
  stream.wait();
  labels_ = labels;
  count_ = count;
  LossResult r;
  const float off = smoothing_ / classes_, on = 1.f - smoothing_ + off;
  for (int64_t n = 0; n < count; ++n) {
    float* lp = &log_probs_[n * classes_];
    double sum_lp = 0.0;
    int64_t best = 0;
    for (int64_t k = 0; k < classes_; ++k) {
      // oneDNN's vectorised log errs by ~1e-6 near 1: a certain prediction came out as a positive
      // log-probability (loss -0.0000); none is.
      lp[k] = std::min(lp[k], 0.f);
      sum_lp += lp[k];
      if (lp[k] > lp[best]) best = k;
    }
    r.loss_sum -= (on - off) * lp[labels[n]] + off * sum_lp;
    r.correct += best == labels[n];
    predictions_[n] = static_cast<int32_t>(best);
  }
  return r;
}

void SoftmaxCrossEntropy::backward() {
  float* diff = static_cast<float*>(diff_logits_.get_data_handle());
  const float off = smoothing_ / classes_, on = 1.f - smoothing_ + off;
  const float scale = count_ > 0 ? 1.f / count_ : 0.f;
  for (int64_t n = 0; n < batch_; ++n)
    for (int64_t k = 0; k < classes_; ++k) {
      const int64_t i = n * classes_ + k;
      diff[i] = n < count_ ? (std::exp(log_probs_[i]) - (k == labels_[n] ? on : off)) * scale : 0.f;
    }
}

}  // namespace relunet
