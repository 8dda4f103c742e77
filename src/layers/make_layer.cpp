#include "layers/activation.hpp"
#include "layers/batch_norm.hpp"
#include "layers/conv.hpp"
#include "layers/dropout.hpp"
#include "layers/flatten.hpp"
#include "layers/inner_product.hpp"
#include "layers/lrn.hpp"
#include "layers/pool.hpp"

namespace relunet {

std::unique_ptr<Layer> make_layer(const LayerSpec& spec, uint64_t seed) {
  switch (spec.kind) {
    case LayerKind::Conv: return std::make_unique<ConvLayer>(spec);
    case LayerKind::MaxPool:
    case LayerKind::AvgPool: return std::make_unique<PoolLayer>(spec);
    case LayerKind::FullyConnected: return std::make_unique<InnerProductLayer>(spec);
    case LayerKind::Activation: return std::make_unique<ActivationLayer>(spec);
    case LayerKind::LRN: return std::make_unique<LrnLayer>(spec);
    case LayerKind::BatchNorm: return std::make_unique<BatchNormLayer>(spec);
    case LayerKind::Dropout: return std::make_unique<DropoutLayer>(spec, seed);
    case LayerKind::Flatten: return std::make_unique<FlattenLayer>(spec);
  }
  throw std::logic_error("make_layer: unknown layer kind");
}

}  // namespace relunet
