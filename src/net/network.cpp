#include "net/network.hpp"

#include "core/memory.hpp"
#include "core/random.hpp"
#include "layers/weighted_layer.hpp"
#include "net/memory_estimate.hpp"

namespace relunet {

Network::Network(const ModelSpec& spec, int64_t batch, NetworkPurpose purpose, uint64_t seed, Context& ctx)
    : spec_(spec), batch_(batch), training_(purpose == NetworkPurpose::Training), ctx_(ctx) {
  check_memory(spec_, batch, training_);  // before any allocation
  for (size_t i = 0; i < spec_.layers.size(); ++i)
    layers_.push_back(make_layer(spec_.layers[i], mix64(seed + i)));
  for (size_t i = 1; i < layers_.size(); ++i) {
    auto* act = dynamic_cast<ActivationLayer*>(layers_[i].get());
    auto* weighted = dynamic_cast<WeightedLayer*>(layers_[i - 1].get());
    if (act && weighted) {
      weighted->fuse_activation(act->spec().act);
      act->computed_by_previous_layer();
    }
  }

  const auto& in = spec_.input;
  acts_.push_back(dnnl::memory(plain_desc({batch, in.c, in.h, in.w}), ctx_.engine));
  diffs_.push_back(dnnl::memory());  // no gradient for the images
  std::vector<dnnl::memory::desc> out_descs;
  for (size_t i = 0; i < layers_.size(); ++i) {
    SetupOptions opts;
    opts.engine = ctx_.engine;
    opts.backward = training_;
    opts.need_diff_src = i > 0;
    const auto out = layers_[i]->setup(acts_[i].get_desc(), opts);
    if (layers_[i]->in_place()) {
      acts_.push_back(acts_[i]);
      diffs_.push_back(training_ && i > 0 ? diffs_[i] : dnnl::memory());
    } else {
      acts_.push_back(dnnl::memory(out, ctx_.engine));
      diffs_.push_back(training_ ? dnnl::memory(out, ctx_.engine) : dnnl::memory());
    }
  }
  for (size_t i = 0; i < layers_.size(); ++i)
    layers_[i]->bind({acts_[i], acts_[i + 1], diffs_[i], diffs_[i + 1]});
  for (auto& layer : layers_)
    if (auto* act = dynamic_cast<ActivationLayer*>(layer.get())) activations_.push_back(act);
}

void Network::forward(const Pass& pass) {
  for (auto& layer : layers_) layer->forward(ctx_.stream, pass);
  ctx_.stream.wait();
}

void Network::backward(const std::function<void(size_t)>& after_layer) {
  for (size_t i = layers_.size(); i-- > 0;) {
    layers_[i]->backward(ctx_.stream);
    if (after_layer) {
      ctx_.stream.wait();
      after_layer(i);
    }
  }
  ctx_.stream.wait();
}

std::vector<Param*> Network::params() {
  std::vector<Param*> all;
  for (auto& layer : layers_)
    for (Param* p : layer->params()) all.push_back(p);
  return all;
}

void Network::set_valid_images(int64_t images) {
  for (auto* act : activations_) act->set_valid_images(images);
}

}  // namespace relunet
