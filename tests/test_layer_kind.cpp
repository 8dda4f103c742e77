// The layer-kind registry: every kind registered with everything the model reader, the factory
// and the exporter ask of it, and every model-file type reading back as the kind that writes it.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "layers/layer_kind.hpp"

namespace relunet {
namespace {

constexpr LayerKind kAllKinds[] = {LayerKind::Conv,       LayerKind::MaxPool, LayerKind::AvgPool,
                                   LayerKind::FullyConnected, LayerKind::Activation, LayerKind::LRN,
                                   LayerKind::BatchNorm,  LayerKind::Dropout, LayerKind::Flatten,
                                   LayerKind::PReLU};

std::vector<std::string> split(const std::string& list) {
  std::vector<std::string> items;
  for (size_t start = 0;;) {
    const size_t comma = list.find(", ", start);
    items.push_back(list.substr(start, comma - start));
    if (comma == std::string::npos) return items;
    start = comma + 2;
  }
}

TEST(LayerKind, EveryKindIsRegisteredCompletely) {
  for (LayerKind kind : kAllKinds) {
    const LayerKindInfo& info = layer_kind(kind);
    EXPECT_EQ(info.kind, kind) << info.name;
    EXPECT_EQ(to_string(kind), info.name);
    EXPECT_TRUE(info.read && info.write && info.fit && info.make && info.to_onnx) << info.name;
  }
}

TEST(LayerKind, EveryModelFileTypeReadsBackAsItsKind) {
  const std::vector<std::string> types = split(valid_types());
  EXPECT_EQ(types.size(), 14u);  // 9 kinds spelled by name, 5 activation functions
  for (const std::string& type : types) {
    const std::optional<LayerSpec> layer = layer_of_type(type);
    ASSERT_TRUE(layer) << type;
    EXPECT_EQ(file_type(*layer), type);
  }
  EXPECT_FALSE(layer_of_type("convolution"));
  EXPECT_FALSE(layer_of_type("activation"));  // activations are spelled by their function
}

// What the initialiser of the layer before sees: the activation's own function; for prelu, Leaky
// ReLU with the initial slope (He et al. 2015's gain); nothing for kinds that apply no function.
TEST(LayerKind, AppliesIsTheFunctionForTheInitialiser) {
  LayerSpec prelu = *layer_of_type("prelu");
  prelu.prelu_init = 0.5f;
  const Activation a = layer_kind(LayerKind::PReLU).applies(prelu);
  EXPECT_EQ(a.fn, ActivationFn::LeakyReLU);
  EXPECT_EQ(a.alpha, 0.5f);
  EXPECT_EQ(layer_kind(LayerKind::Activation).applies(*layer_of_type("elu")).fn, ActivationFn::ELU);
  for (LayerKind kind : {LayerKind::Conv, LayerKind::BatchNorm, LayerKind::Flatten})
    EXPECT_EQ(layer_kind(kind).applies, nullptr) << to_string(kind);
}

}  // namespace
}  // namespace relunet
