#include "bench/bench_networks.hpp"

#include "core/random.hpp"
#include "net/initialization.hpp"

namespace relunet {

void fill_random_input(Network& net, uint64_t seed) {
  float* input = net.input();
  const size_t count = size_t(net.batch()) * size_t(net.spec().input.size());
  for (size_t i = 0; i < count; ++i) input[i] = 2.f * uniform01(mix64(seed + mix64(i))) - 1.f;
}

InferenceNetwork::InferenceNetwork(const ModelSpec& spec, int64_t batch, uint64_t seed, Context& ctx)
    : net_(spec, batch, NetworkPurpose::Inference, seed, ctx) {
  initialize_params(net_, seed);
  fill_random_input(net_, seed);
}

SyntheticTraining::SyntheticTraining(const ModelSpec& spec, int64_t batch, uint64_t seed, Context& ctx)
    : net_(spec, batch, NetworkPurpose::Training, seed, ctx),
      loss_(net_.logits(), net_.logits_grad(), 0.f),
      sgd_(net_.params(), SgdOptions{}),
      gradient_flow_(net_, sgd_.params(), true),
      step_(net_, loss_, sgd_, gradient_flow_) {
  initialize_params(net_, seed);
  fill_random_input(net_, seed);
  for (int64_t n = 0; n < batch; ++n)
    labels_.push_back(static_cast<int32_t>(mix64(~seed + uint64_t(n)) % uint64_t(spec.classes)));
}

void SyntheticTraining::loss_forward_backward(const int32_t* labels, int64_t count) {
  loss_.forward(net_.context().stream, labels, count);
  loss_.backward();
}

}  // namespace relunet
