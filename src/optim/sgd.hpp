// sgd.hpp — stochastic gradient descent with momentum (heavy-ball or Nesterov) and weight decay.
//
//   g' = g + wd * w            (L2 mode: decay goes through the momentum)
//   v  = momentum * v + g'
//   w -= lr * (nesterov ? g' + momentum * v : v)
//   w -= lr * wd * w           (decoupled mode, instead of the first line; AdamW-style)
// Weight decay applies to weights only, never to biases or batch-norm parameters.
// Works element-wise on the parameters' own (possibly blocked) layouts: no reorders.
#pragma once

#include <string>
#include <vector>

#include <oneapi/dnnl/dnnl.hpp>

#include "layers/layer.hpp"

namespace relunet {

enum class DecayMode { L2, Decoupled };

struct SgdOptions {
  float momentum = 0.9f;
  bool nesterov = false;
  float weight_decay = 5e-4f;
  DecayMode decay_mode = DecayMode::L2;
};

class Sgd {
 public:
  Sgd(std::vector<Param*> params, SgdOptions opts);
  void step(float lr);
  const SgdOptions& options() const { return opts_; }
  // Momentum buffers, one per trainable parameter, in the parameter's layout.
  std::vector<Param*>& params() { return params_; }
  std::vector<dnnl::memory>& velocity() { return velocity_; }

 private:
  std::vector<Param*> params_;  // trainable ones only
  std::vector<dnnl::memory> velocity_;
  SgdOptions opts_;
};

DecayMode parse_decay_mode(const std::string& text);

}  // namespace relunet
