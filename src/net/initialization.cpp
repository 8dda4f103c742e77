#include "net/initialization.hpp"

#include <algorithm>
#include <cmath>
#include <optional>

#include "core/memory.hpp"
#include "core/random.hpp"
#include "layers/layer_kind.hpp"

namespace relunet {
namespace {

// The activation applied to layer i's output: the first function a layer applies (its kind's
// `applies`, layers/layer_kind.hpp) before the next weighted layer.
std::optional<Activation> activation_after(const ModelSpec& spec, size_t i) {
  for (size_t j = i + 1; j < spec.layers.size(); ++j) {
    const LayerSpec& layer = spec.layers[j];
    if (const auto applies = layer_kind(layer.kind).applies) return applies(layer);
    if (layer.kind == LayerKind::Conv || layer.kind == LayerKind::FullyConnected) break;
  }
  return std::nullopt;
}

void fill_gaussian(float std, uint64_t key, std::vector<float>& out) {
  for (size_t i = 0; i < out.size(); ++i) {  // Box-Muller on two counter-based uniforms
    const float u1 = 1.f - uniform01(mix64(key + 2 * i)), u2 = uniform01(mix64(key + 2 * i + 1));
    out[i] = std * std::sqrt(-2.f * std::log(u1)) * std::cos(6.2831853f * u2);
  }
}

void fill_weights(const Param& p, const LayerSpec& layer, const std::optional<Activation>& act,
                  uint64_t key, std::vector<float>& out) {
  const bool he = act && act->fn != ActivationFn::Tanh && act->fn != ActivationFn::Sigmoid;
  if (layer.init_std > 0.f) {
    fill_gaussian(layer.init_std, key, out);
  } else if (he) {
    const float slope = act->fn == ActivationFn::LeakyReLU ? act->alpha : 0.f;
    fill_gaussian(std::sqrt(2.f / (1.f + slope * slope) / p.fan_in), key, out);
  } else {
    const float limit = std::sqrt(6.f / (p.fan_in + p.fan_out));
    for (size_t i = 0; i < out.size(); ++i) out[i] = limit * (2.f * uniform01(mix64(key + i)) - 1.f);
  }
}

// "dirac": filter o < min(O, C) becomes the identity on channel o (PyTorch's dirac_ on w[:C]).
void make_dirac(const Param& p, std::vector<float>& out) {
  const int64_t outputs = p.dims[0], channels = p.dims[1], kh = p.dims[2], kw = p.dims[3];
  const int64_t filter = channels * kh * kw;
  for (int64_t o = 0; o < std::min(outputs, channels); ++o) {
    std::fill(out.begin() + o * filter, out.begin() + (o + 1) * filter, 0.f);
    out[o * filter + o * kh * kw + (kh / 2) * kw + kw / 2] = 1.f;
  }
}

}  // namespace

void initialize_params(Network& net, uint64_t seed) {
  uint64_t param_index = 0;
  for (size_t i = 0; i < net.size(); ++i) {
    for (Param* p : net.layer(i).params()) {
      size_t n = 1;
      for (auto d : p->dims) n *= static_cast<size_t>(d);
      const float fill = p->init == Param::Init::Ones       ? 1.f
                         : p->init == Param::Init::Constant ? p->constant
                                                            : 0.f;
      std::vector<float> values(n, fill);
      const LayerSpec& layer = net.spec().layers[i];
      if (p->init == Param::Init::Weights) {
        fill_weights(*p, layer, activation_after(net.spec(), i), mix64(seed ^ mix64(++param_index)), values);
        if (layer.init == ConvInit::Dirac) make_dirac(*p, values);
      }
      write_plain(p->value, values.data(), net.context().stream);
    }
  }
}

}  // namespace relunet
