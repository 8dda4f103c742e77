#include "optim/sgd.hpp"

#include <cstring>
#include <stdexcept>

#include "core/memory.hpp"

namespace relunet {

Sgd::Sgd(std::vector<Param*> params, SgdOptions opts) : opts_(opts) {
  for (Param* p : params) {
    if (!p->trainable()) continue;
    params_.push_back(p);
    dnnl::memory v(p->value.get_desc(), p->value.get_engine());
    std::memset(v.get_data_handle(), 0, v.get_desc().get_size());
    velocity_.push_back(v);
    switch (p->group) {
      case ParamGroup::Weight: groups_.push_back({1.f, opts_.weight_decay}); break;
      case ParamGroup::Bias: groups_.push_back(opts_.bias); break;
      case ParamGroup::Norm: groups_.push_back(opts_.norm); break;
      case ParamGroup::Slope: groups_.push_back({1.f, 0.f}); break;  // the schedule's lr, no decay
    }
  }
}

void Sgd::step(float schedule_lr, std::vector<UpdateNorms>* norms) {
  const float mu = opts_.momentum;
  if (norms) norms->assign(params_.size(), UpdateNorms{});
  for (size_t k = 0; k < params_.size(); ++k) {
    float* w = data_of(params_[k]->value);
    const float* g = data_of(params_[k]->grad);
    float* v = data_of(velocity_[k]);
    const int64_t n = static_cast<int64_t>(elements_of(params_[k]->value.get_desc()));
    const float lr = schedule_lr * groups_[k].lr_scale, wd = groups_[k].decay;
    const float l2 = opts_.decay_mode == DecayMode::L2 ? wd : 0.f;
    const float shrink = 1.f - (opts_.decay_mode == DecayMode::Decoupled ? lr * wd : 0.f);
    const bool nesterov = opts_.nesterov;
    const auto update = [&](int64_t i) {
      const float grad = g[i] + l2 * w[i];
      v[i] = mu * v[i] + grad;
      const float before = w[i];
      w[i] = shrink * before - lr * (nesterov ? grad + mu * v[i] : v[i]);
      return before;
    };
    if (!norms) {
#pragma omp parallel for simd schedule(static)
      for (int64_t i = 0; i < n; ++i) update(i);
      continue;
    }
    // The same update, with the norms summed while the values are in registers.
    double weight_sq = 0, update_sq = 0;
#pragma omp parallel for simd schedule(static) reduction(+ : weight_sq, update_sq)
    for (int64_t i = 0; i < n; ++i) {
      const float before = update(i);
      const float step = w[i] - before;
      weight_sq += double(before) * before;
      update_sq += double(step) * step;
    }
    (*norms)[k] = {weight_sq, update_sq};
  }
}

DecayMode parse_decay_mode(const std::string& text) {
  if (text == "l2") return DecayMode::L2;
  if (text == "decoupled") return DecayMode::Decoupled;
  throw std::invalid_argument("unknown weight-decay mode '" + text + "' (use l2 or decoupled)");
}

}  // namespace relunet
