// sgd.hpp — stochastic gradient descent with momentum (heavy-ball or Nesterov) and weight decay.
//
//   g' = g + wd * w            (L2 mode: decay goes through the momentum)
//   v  = momentum * v + g'
//   w -= lr * (nesterov ? g' + momentum * v : v)
//   w -= lr * wd * w           (decoupled mode, instead of the first line; AdamW-style)
// Each parameter group (param.hpp's ParamGroup) has its own learning-rate multiplier (lr above is
// the schedule's lr times it) and decay wd: by default weight decay applies to weights only,
// never to biases or batch-norm parameters; PReLU slopes take the schedule's lr and no decay,
// whatever the options. airbench's 64x lr on batch-norm shifts "with the same
// absolute decay" is norm {lr_scale 64, decay weight_decay / 64} in L2 mode.
// Works element-wise on the parameters' own (possibly blocked) layouts: no reorders.
#pragma once

#include <string>
#include <vector>

#include <oneapi/dnnl/dnnl.hpp>

#include "optim/param.hpp"

namespace relunet {

enum class DecayMode { L2, Decoupled };

struct GroupOptions {
  float lr_scale = 1.f;
  float decay = 0.f;
};

struct SgdOptions {
  float momentum = 0.9f;
  bool nesterov = false;
  float weight_decay = 5e-4f;  // the weights' decay (their lr scale is 1)
  DecayMode decay_mode = DecayMode::L2;
  GroupOptions bias, norm;     // conv/fc biases; batch-norm scales and shifts
};

// Squared norms of one parameter's step, for the gradient-flow statistics (train/gradient_flow.hpp).
struct UpdateNorms {
  double weight_sq = 0;  // ||w||^2 before the step
  double update_sq = 0;  // ||w_after - w_before||^2
};

class Sgd {
 public:
  Sgd(std::vector<Param*> params, SgdOptions opts);
  // With `norms`, also writes each parameter's UpdateNorms there (resized to params().size()).
  void step(float lr, std::vector<UpdateNorms>* norms = nullptr);
  // Momentum buffers, one per trainable parameter, in the parameter's layout.
  std::vector<Param*>& params() { return params_; }
  std::vector<dnnl::memory>& velocity() { return velocity_; }

 private:
  std::vector<Param*> params_;  // trainable ones only
  std::vector<dnnl::memory> velocity_;
  std::vector<GroupOptions> groups_;  // each parameter's group settings, fixed at construction
  SgdOptions opts_;
};

DecayMode parse_decay_mode(const std::string& text);

}  // namespace relunet
