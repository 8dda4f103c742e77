// test_onnx_import.cpp — PyTorch -> ONNX -> relunet: an AlexNet-style PyTorch network with random
// weights (tests/pytorch/alexnet_style_onnx.py) imported and run by relunet gives PyTorch's
// logits within 1e-4 of their scale; and the importer's refusals: an unsupported op, attribute
// or graph shape is a one-line error naming the node and its op.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <limits>
#include <map>

#include "net/network_state.hpp"
#include "onnx/onnx_export.hpp"
#include "onnx/onnx_import.hpp"
#include "test_files.hpp"
#include "test_support.hpp"

namespace relunet::test {
namespace {

namespace fs = std::filesystem;

std::vector<float> read_floats(const fs::path& path) {
  const std::string bytes = read_bytes(path);
  std::vector<float> values(bytes.size() / sizeof(float));
  std::memcpy(values.data(), bytes.data(), values.size() * sizeof(float));
  return values;
}

TEST(OnnxImport, PyTorchAlexNetStyleGivesPyTorchsLogits) {
  const fs::path dir = fs::path(::testing::TempDir()) / "relunet_pytorch_onnx";
  const std::string command = std::string(RELUNET_PYTHON) + " " + RELUNET_SOURCE_DIR +
                              "/tests/pytorch/alexnet_style_onnx.py " + dir.string();
  const int status = std::system(command.c_str());
  if (WIFEXITED(status) && WEXITSTATUS(status) == 77) GTEST_SKIP() << "PyTorch is not installed";
  ASSERT_EQ(status, 0) << command;

  const Checkpoint ckpt = import_onnx(read_bytes(dir / "model.onnx"), "model.onnx", {});
  // The graph takes 0-1 RGB: relunet's normalisation must give exactly that.
  for (size_t c = 0; c < 3; ++c) {
    EXPECT_EQ(ckpt.norm.mean[c], 0.f);
    EXPECT_EQ(ckpt.norm.stddev[c], 1.f);
  }
  const std::vector<float> input = read_floats(dir / "input.f32"), expected = read_floats(dir / "logits.f32");
  const ModelSpec spec = parse_model(ckpt.model_json, "imported");
  const int64_t batch = int64_t(input.size()) / spec.input.size();
  ASSERT_EQ(int64_t(expected.size()), batch * spec.classes);
  Context ctx;
  Network net(spec, batch, NetworkPurpose::Inference, 0, ctx);
  import_params(net, ckpt.params, "imported");
  std::copy(input.begin(), input.end(), net.input());
  net.forward(Pass::inference());
  const std::vector<float> logits = plain_values(net.logits(), ctx);

  double scale = 0, max_diff = 0;
  for (size_t i = 0; i < expected.size(); ++i) {
    scale = std::max(scale, double(std::abs(expected[i])));
    max_diff = std::max(max_diff, double(std::abs(logits[i] - expected[i])));
  }
  EXPECT_LE(max_diff, 1e-4 * scale);
  for (int64_t n = 0; n < batch; ++n) {
    const auto top = [&](const std::vector<float>& v) {
      return std::max_element(v.begin() + n * spec.classes, v.begin() + (n + 1) * spec.classes) - v.begin();
    };
    EXPECT_EQ(top(logits), top(expected)) << "image " << n;
  }
  std::printf("PyTorch -> ONNX -> relunet: %zu layers, max |logit diff| %.2e (relative %.2e)\n",
              spec.layers.size(), max_diff, max_diff / scale);
}

// A small exported relunet model, which each refusal case edits (make_model names its layers
// layer0 to layer3: conv, ReLU (or `rectifier`), max pooling, fc).
onnx::ModelProto small_model(const LayerSpec& rectifier = activation_layer(ActivationFn::ReLU)) {
  ModelSpec spec =
      make_model({3, 8, 8}, {conv_layer(4, 3, 1, 1), rectifier, pool_layer(LayerKind::MaxPool, 2, 2, 0), fc_layer(3)});
  Context ctx;
  Network net(spec, 1, NetworkPurpose::Inference, 0, ctx);
  randomize_params(net, 1);
  Checkpoint ckpt;
  ckpt.model_json = to_json(spec);
  ckpt.class_names = {"a", "b", "c"};
  ckpt.params = export_params(net);
  return export_onnx(ckpt, "small");
}

std::string refusal(const onnx::ModelProto& model) {
  std::string bytes;
  model.SerializeToString(&bytes);
  try {
    import_onnx(bytes, "m.onnx", {});
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  return "(accepted)";
}

onnx::NodeProto& node_of(onnx::ModelProto& m, const std::string& op) {
  for (onnx::NodeProto& n : *m.mutable_graph()->mutable_node())
    if (n.op_type() == op) return n;
  throw std::logic_error("no " + op + " node");
}

// The fuzzer's seeds (tests/fuzz/make_onnx_seeds.py) use between them every operator the
// importer reads, in the forms other exporters write them.
TEST(OnnxImport, EveryOperatorImports) {
  const std::map<std::string, std::string> expected_layers = {
      {"gemm.onnx", "conv batchnorm activation maxpool prelu lrn avgpool flatten fc"},
      {"matmul.onnx", "conv activation flatten fc activation fc activation fc activation fc"}};
  for (const auto& [file, layers] : expected_layers) {
    const fs::path path = fs::path(RELUNET_SOURCE_DIR) / "tests/fuzz/corpus/fuzz_onnx_import" / file;
    const Checkpoint ckpt = import_onnx(read_bytes(path), file, {});
    std::string kinds;
    for (const LayerSpec& layer : parse_model(ckpt.model_json, file).layers)
      kinds += (kinds.empty() ? "" : " ") + to_string(layer.kind);
    EXPECT_EQ(kinds, layers) << file;
  }
}

TEST(OnnxImport, TheSmallModelImports) { EXPECT_EQ(refusal(small_model()), "(accepted)"); }

// Found by fuzz_onnx_import: the graph's name becomes the model's, and JSON needs UTF-8.
TEST(OnnxImport, GraphNameThatIsNotUtf8) {
  onnx::ModelProto m = small_model();
  m.mutable_graph()->set_name("net\xff");
  std::string bytes;
  m.SerializeToString(&bytes);
  EXPECT_EQ(parse_model(import_onnx(bytes, "m.onnx", {}).model_json, "imported").name, "net\uFFFD");
}

TEST(OnnxImport, UnsupportedOpIsNamedWithItsNode) {
  onnx::ModelProto m = small_model();
  node_of(m, "Relu").set_op_type("HardSwish");
  const std::string message = refusal(m);
  EXPECT_NE(message.find("m.onnx: node 'layer1' (HardSwish): operator not supported by relunet"),
            std::string::npos)
      << message;
}

TEST(OnnxImport, UnsupportedAttributeIsNamed) {
  onnx::ModelProto m = small_model();
  onnx::AttributeProto& dilations = *node_of(m, "Conv").add_attribute();
  dilations.set_name("dilations");
  dilations.set_type(onnx::AttributeProto::INTS);
  dilations.add_ints(2);
  dilations.add_ints(2);
  EXPECT_NE(refusal(m).find("node 'layer0' (Conv): dilated windows are not supported"), std::string::npos)
      << refusal(m);
  onnx::AttributeProto& other = *node_of(m, "MaxPool").add_attribute();
  other.set_name("frobnicate");
  other.set_type(onnx::AttributeProto::INT);
  node_of(m, "Conv").mutable_attribute()->RemoveLast();
  EXPECT_NE(refusal(m).find("node 'layer2' (MaxPool): attribute 'frobnicate' is not supported"),
            std::string::npos)
      << refusal(m);
}

TEST(OnnxImport, BranchIsRefused) {
  onnx::ModelProto m = small_model();
  node_of(m, "MaxPool").set_input(0, "normalize");  // skips conv1 and its ReLU
  EXPECT_NE(refusal(m).find("node 'layer2' (MaxPool): does not read the output of the node before it"),
            std::string::npos)
      << refusal(m);
}

TEST(OnnxImport, WeightOfAnotherShapeIsRefused) {
  onnx::ModelProto m = small_model();
  for (onnx::TensorProto& t : *m.mutable_graph()->mutable_initializer())
    if (t.name() == "layer3.weight") t.mutable_float_data()->RemoveLast();
  EXPECT_NE(
      refusal(m).find("initializer 'layer3.weight': holds 191 values (typed data), its dimensions say 192"),
      std::string::npos)
      << refusal(m);
}

onnx::TensorProto& initializer_of(onnx::ModelProto& m, const std::string& name) {
  for (onnx::TensorProto& t : *m.mutable_graph()->mutable_initializer())
    if (t.name() == name) return t;
  throw std::logic_error("no initializer " + name);
}

// What every later load of the checkpoint would refuse, import refuses, before writing it.
TEST(OnnxImport, WhatACheckpointCannotHoldIsRefused) {
  onnx::ModelProto m = small_model();
  onnx::TensorProto& weight = initializer_of(m, "layer3.weight");
  weight.set_float_data(5, std::numeric_limits<float>::quiet_NaN());
  EXPECT_NE(refusal(m).find("m.onnx: parameter 'fc1.weight' holds NaN at index 5"), std::string::npos)
      << refusal(m);
  weight.set_float_data(5, 1.f);
  for (auto& entry : *m.mutable_metadata_props())
    if (entry.key() == "class_names") entry.set_value(R"(["a", "b", "a"])");
  EXPECT_NE(refusal(m).find("metadata 'class_names': class names #0 and #2 are both 'a'"), std::string::npos)
      << refusal(m);
  for (auto& entry : *m.mutable_metadata_props())
    if (entry.key() == "class_names") entry.set_value(R"(["a", "", "c"])");
  EXPECT_NE(refusal(m).find("metadata 'class_names': class name #1 is empty"), std::string::npos) << refusal(m);
}

// PRelu's slope broadcasts from the right: C x 1 x 1 is per channel (relunet's own export), one
// value is every channel's (PyTorch's nn.PReLU()), and a slope of C on an image would be one per
// column, which relunet has no layer for.
TEST(OnnxImport, PReluSlopePerChannelOrSingle) {
  onnx::ModelProto m = small_model(prelu_layer());  // its slope: initializer "layer1.slope"
  EXPECT_EQ(std::vector<int64_t>(initializer_of(m, "layer1.slope").dims().begin(),
                                 initializer_of(m, "layer1.slope").dims().end()),
            (std::vector<int64_t>{4, 1, 1}));
  EXPECT_EQ(refusal(m), "(accepted)");

  onnx::TensorProto& slope = initializer_of(m, "layer1.slope");
  slope.clear_dims();
  slope.add_dims(1);
  slope.clear_float_data();
  slope.add_float_data(0.3f);
  std::string bytes;
  m.SerializeToString(&bytes);
  const Checkpoint single = import_onnx(bytes, "m.onnx", {});
  const auto imported = std::find_if(single.params.begin(), single.params.end(),
                                     [](const NamedTensor& t) { return t.name == "prelu1.slope"; });
  ASSERT_NE(imported, single.params.end());
  EXPECT_EQ(imported->dims, (std::vector<int64_t>{4}));
  EXPECT_EQ(imported->data, std::vector<float>(4, 0.3f));

  slope.clear_dims();
  slope.add_dims(4);
  slope.clear_float_data();
  for (int c = 0; c < 4; ++c) slope.add_float_data(0.1f * c);
  EXPECT_NE(refusal(m).find("node 'layer1' (PRelu): only one slope per channel (C x 1 x 1) or a single slope is "
                            "supported"),
            std::string::npos)
      << refusal(m);
}

TEST(OnnxImport, NotAnOnnxFile) {
  EXPECT_NE(refusal([] {
              onnx::ModelProto m;
              m.mutable_graph();
              return m;
            }())
                .find("m.onnx: the model has no graph nodes"),
            std::string::npos);
  try {
    import_onnx("\xff\xff\xff garbage", "g.onnx", {});
    FAIL() << "accepted garbage";
  } catch (const std::runtime_error& e) {
    EXPECT_STREQ(e.what(), "g.onnx: not an ONNX model (the protobuf message does not parse)");
  }
}

}  // namespace
}  // namespace relunet::test
