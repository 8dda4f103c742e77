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
                                   LayerKind::BatchNorm,  LayerKind::Dropout, LayerKind::Flatten};

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
  EXPECT_EQ(types.size(), 13u);  // 8 kinds spelled by name, 5 activation functions
  for (const std::string& type : types) {
    const std::optional<LayerSpec> layer = layer_of_type(type);
    ASSERT_TRUE(layer) << type;
    EXPECT_EQ(file_type(*layer), type);
  }
  EXPECT_FALSE(layer_of_type("convolution"));
  EXPECT_FALSE(layer_of_type("activation"));  // activations are spelled by their function
}

}  // namespace
}  // namespace relunet
