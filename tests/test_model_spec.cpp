// Tests for the model files: parsing, shapes and costs of the shipped models, the canonical JSON,
// activation spellings, and one test per class of error in a model file.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>

#include "model/model_spec.hpp"
#include "net/layer_table.hpp"

namespace relunet {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

const std::string kModelsDir = std::string(RELUNET_SOURCE_DIR) + "/models";

const LayerSpec& layer_named(const ModelSpec& spec, const std::string& name) {
  for (const LayerSpec& layer : spec.layers)
    if (layer.name == name) return layer;
  throw std::runtime_error("no layer named " + name);
}

// A model file around the given layer list: 3x8x8 input, 10 classes.
std::string model_text(const std::string& layers, const std::string& extra_top_level = "") {
  return R"({"name": "t", "input": {"channels": 3, "height": 8, "width": 8}, "classes": 10, )" + extra_top_level +
         R"("layers": [)" + layers + "]}";
}

// The message parse_model throws for `text`, or "" if it parses.
std::string parse_error(const std::string& text) {
  try {
    parse_model(text, "bad.json");
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  return "";
}

void expect_same_spec(const ModelSpec& a, const ModelSpec& b) {
  EXPECT_EQ(a.name, b.name);
  EXPECT_EQ(a.input, b.input);
  EXPECT_EQ(a.classes, b.classes);
  EXPECT_EQ(a.recipe, b.recipe);
  ASSERT_EQ(a.layers.size(), b.layers.size());
  for (size_t i = 0; i < a.layers.size(); ++i) {
    const LayerSpec &x = a.layers[i], &y = b.layers[i];
    SCOPED_TRACE("layer " + x.name);
    EXPECT_EQ(x.kind, y.kind);
    EXPECT_EQ(x.name, y.name);
    EXPECT_EQ(x.unit_layer, y.unit_layer);
    EXPECT_EQ(x.outputs, y.outputs);
    EXPECT_EQ(x.kernel, y.kernel);
    EXPECT_EQ(x.stride, y.stride);
    EXPECT_EQ(x.pad, y.pad);
    EXPECT_EQ(x.groups, y.groups);
    EXPECT_EQ(x.bias, y.bias);
    EXPECT_EQ(x.init_std, y.init_std);
    EXPECT_EQ(x.act.fn, y.act.fn);
    EXPECT_EQ(x.act.alpha, y.act.alpha);
    EXPECT_EQ(x.lrn_size, y.lrn_size);
    EXPECT_EQ(x.lrn_alpha, y.lrn_alpha);
    EXPECT_EQ(x.lrn_beta, y.lrn_beta);
    EXPECT_EQ(x.lrn_k, y.lrn_k);
    EXPECT_EQ(x.dropout, y.dropout);
    EXPECT_EQ(x.bn_eps, y.bn_eps);
    EXPECT_EQ(x.bn_momentum, y.bn_momentum);
    EXPECT_EQ(x.bn_scale, y.bn_scale);
    EXPECT_EQ(x.prelu_init, y.prelu_init);
    EXPECT_EQ(x.init, y.init);
    EXPECT_EQ(x.frozen, y.frozen);
    EXPECT_EQ(x.output_scale, y.output_scale);
    EXPECT_EQ(x.in, y.in);
    EXPECT_EQ(x.out, y.out);
    EXPECT_EQ(x.macs, y.macs);
    EXPECT_EQ(x.param_count, y.param_count);
  }
}

// Every layer type with non-default values and some explicit names.
const char* kEveryLayerType = R"(
  {"type": "conv", "name": "stem", "filters": 6, "kernel": 3, "stride": 2, "pad": 1, "groups": 3, "bias": false},
  {"type": "leaky-relu", "slope": 0.2},
  {"type": "lrn", "size": 3, "alpha": 0.001, "beta": 0.5, "k": 1.5},
  {"type": "avgpool", "kernel": 2, "stride": 1},
  {"type": "batchnorm", "eps": 0.001},
  {"type": "prelu", "init_slope": 0.1},
  {"type": "conv", "filters": 4, "kernel": 1, "init_std": 0.0001, "init": "dirac", "frozen": true},
  {"type": "batchnorm", "scale": false, "momentum": 0.4, "eps": 1e-12},
  {"type": "elu", "alpha": 0.5},
  {"type": "maxpool", "kernel": 2, "pad": 1},
  {"type": "flatten", "name": "flat"},
  {"type": "prelu", "name": "flat.prelu", "init_slope": 0},
  {"type": "fc", "units": 12, "bias": false, "init_std": 0.01, "scale": 0.5},
  {"type": "tanh", "name": "squash"},
  {"type": "dropout", "p": 0.25},
  {"type": "fc", "units": 10},
  {"type": "sigmoid"},
  {"type": "fc", "units": 10}
)";

TEST(ModelSpec, EveryShippedModelParses) {
  int models = 0;
  for (const auto& file : std::filesystem::directory_iterator(kModelsDir)) {
    if (file.path().extension() != ".json") continue;
    const std::string name = file.path().stem().string();
    SCOPED_TRACE(name);
    ++models;
    const ModelSpec spec = load_model(name, kModelsDir);
    EXPECT_EQ(spec.name, name);
    ASSERT_FALSE(spec.layers.empty());
    EXPECT_EQ(spec.layers.back().kind, LayerKind::FullyConnected);
    EXPECT_EQ(spec.layers.back().out, (Shape{spec.classes, 1, 1}));
  }
  EXPECT_GE(models, 10) << "model files in " << kModelsDir;
}

TEST(ModelSpec, LoadsByPathAndListsAvailableModelsForUnknownName) {
  const ModelSpec by_path = load_model(kModelsDir + "/tiny.json", "/nonexistent");
  EXPECT_EQ(by_path.name, "tiny");

  const std::filesystem::path dir = std::filesystem::path(::testing::TempDir()) / "relunet_model_spec_dir";
  std::filesystem::create_directories(dir);
  for (const char* name : {"first", "second"})
    std::ofstream(dir / (std::string(name) + ".json")) << model_text(R"({"type": "fc", "units": 10})");
  EXPECT_EQ(load_model("second", dir.string()).layers.size(), 1u);
  try {
    load_model("third", dir.string());
    ADD_FAILURE() << "an unknown model name must throw";
  } catch (const std::runtime_error& e) {
    EXPECT_THAT(e.what(), HasSubstr("\"third\""));
    EXPECT_THAT(e.what(), HasSubstr("first, second"));
  }
  EXPECT_THROW(load_model(dir.string() + "/missing.json", dir.string()), std::runtime_error);
  std::filesystem::remove_all(dir);
}

TEST(ModelSpec, TinyHasDefaultNamesAndUnitLayers) {
  const ModelSpec spec = load_model("tiny", kModelsDir);
  std::vector<std::string> names, units;
  for (const LayerSpec& layer : spec.layers) {
    names.push_back(layer.name);
    units.push_back(layer.unit_layer);
  }
  EXPECT_EQ(names, (std::vector<std::string>{"conv1", "conv1.act", "pool1", "conv2", "conv2.act", "pool2", "fc1",
                                             "fc1.act", "fc2"}));
  EXPECT_EQ(units, (std::vector<std::string>{"", "conv1", "", "", "conv2", "", "", "fc1", ""}));
  EXPECT_EQ(layer_named(spec, "pool2").out, (Shape{16, 8, 8}));
  EXPECT_EQ(layer_named(spec, "fc1").in, (Shape{16, 8, 8}));
}

TEST(ModelSpec, AlexNetCifarShapes) {
  const ModelSpec spec = load_model("alexnet-cifar", kModelsDir);
  ASSERT_EQ(spec.layers.size(), 20u);
  EXPECT_EQ(layer_named(spec, "conv1").out, (Shape{64, 32, 32}));
  EXPECT_EQ(layer_named(spec, "pool1").out, (Shape{64, 16, 16}));
  EXPECT_EQ(layer_named(spec, "conv2").out, (Shape{192, 16, 16}));
  EXPECT_EQ(layer_named(spec, "pool2").out, (Shape{192, 8, 8}));
  EXPECT_EQ(layer_named(spec, "conv5").out, (Shape{256, 8, 8}));
  EXPECT_EQ(layer_named(spec, "pool3").out, (Shape{256, 4, 4}));
  EXPECT_EQ(layer_named(spec, "fc1").in.size(), 4096);
  EXPECT_EQ(layer_named(spec, "fc3").out, (Shape{10, 1, 1}));
  EXPECT_FLOAT_EQ(layer_named(spec, "dropout2").dropout, 0.5f);
}

TEST(ModelSpec, AlexNetCifarMacsMatchHandComputation) {
  const ModelSpec spec = load_model("alexnet-cifar", kModelsDir);
  // out_c * out_h * out_w * in_c * k * k for conv; in * out for fc.
  const int64_t conv1 = 64LL * 32 * 32 * 3 * 5 * 5;
  const int64_t conv2 = 192LL * 16 * 16 * 64 * 5 * 5;
  const int64_t conv3 = 384LL * 8 * 8 * 192 * 3 * 3;
  const int64_t conv4 = 256LL * 8 * 8 * 384 * 3 * 3;
  const int64_t conv5 = 256LL * 8 * 8 * 256 * 3 * 3;
  const int64_t fc1 = 256LL * 4 * 4 * 1024, fc2 = 1024LL * 1024, fc3 = 1024LL * 10;
  EXPECT_EQ(layer_named(spec, "conv1").macs, conv1);
  EXPECT_EQ(layer_named(spec, "conv2").macs, conv2);
  EXPECT_EQ(layer_named(spec, "conv5").macs, conv5);
  EXPECT_EQ(layer_named(spec, "fc1").macs, fc1);
  int64_t total = 0, params = 0;
  for (const LayerSpec& layer : spec.layers) {
    total += layer.macs;
    params += layer.param_count;
  }
  EXPECT_EQ(total, conv1 + conv2 + conv3 + conv4 + conv5 + fc1 + fc2 + fc3);
  const int64_t conv_params = (64 * 3 * 25 + 64) + (192 * 64 * 25 + 192) + (384 * 192 * 9 + 384) +
                              (256 * 384 * 9 + 256) + (256 * 256 * 9 + 256);
  EXPECT_EQ(params, conv_params + (fc1 + 1024) + (fc2 + 1024) + (fc3 + 10));
}

TEST(ModelSpec, AlexNetImageNetGeometry) {
  const ModelSpec spec = load_model("alexnet", kModelsDir);
  EXPECT_EQ(layer_named(spec, "conv1").out, (Shape{96, 55, 55}));
  EXPECT_EQ(layer_named(spec, "pool1").out, (Shape{96, 27, 27}));
  EXPECT_EQ(layer_named(spec, "conv2").out, (Shape{256, 27, 27}));
  EXPECT_EQ(layer_named(spec, "conv2").groups, 2);
  EXPECT_EQ(layer_named(spec, "pool2").out, (Shape{256, 13, 13}));
  EXPECT_EQ(layer_named(spec, "pool3").out, (Shape{256, 6, 6}));
  EXPECT_EQ(layer_named(spec, "lrn2").lrn_size, 5);
  EXPECT_FLOAT_EQ(layer_named(spec, "lrn2").lrn_k, 2.f);
  EXPECT_EQ(layer_named(spec, "fc3").out, (Shape{1000, 1, 1}));
  int64_t params = 0;
  for (const LayerSpec& layer : spec.layers) params += layer.param_count;
  EXPECT_EQ(params, 60965224);  // the published parameter count of Caffe's bvlc_alexnet
}

TEST(ModelSpec, AlexNetCifarBnNormalizesEveryHiddenUnitLayer) {
  const ModelSpec spec = load_model("alexnet-cifar-bn", kModelsDir);
  int batchnorms = 0;
  for (size_t i = 0; i + 1 < spec.layers.size(); ++i) {
    const LayerSpec& layer = spec.layers[i];
    if (layer.kind == LayerKind::Conv || layer.kind == LayerKind::FullyConnected) {
      EXPECT_EQ(spec.layers[i + 1].kind, LayerKind::BatchNorm) << layer.name;
    }
    if (layer.kind == LayerKind::BatchNorm) {
      ++batchnorms;
      EXPECT_EQ(layer.param_count, 2 * layer.in.c);
    }
  }
  EXPECT_EQ(batchnorms, 7);
  EXPECT_EQ(layer_named(spec, "pool3").out, (Shape{128, 4, 4}));
  EXPECT_EQ(layer_named(spec, "bn6").in, (Shape{512, 1, 1}));
}

TEST(ModelSpec, DefaultsApplyWhenFieldsAreOmitted) {
  const ModelSpec spec = parse_model(model_text(R"(
    {"type": "conv", "filters": 4, "kernel": 3}, {"type": "leaky-relu"}, {"type": "lrn"}, {"type": "batchnorm"},
    {"type": "maxpool", "kernel": 2}, {"type": "dropout"}, {"type": "fc", "units": 8}, {"type": "elu"},
    {"type": "fc", "units": 10}, {"type": "prelu"}, {"type": "fc", "units": 10})"),
                                     "defaults.json");
  const LayerSpec& conv = spec.layers[0];
  EXPECT_EQ(conv.stride, 1);
  EXPECT_EQ(conv.pad, 0);
  EXPECT_EQ(conv.groups, 1);
  EXPECT_TRUE(conv.bias);
  EXPECT_EQ(conv.out, (Shape{4, 6, 6}));
  EXPECT_EQ(spec.layers[1].name, "conv1.act");
  EXPECT_FLOAT_EQ(spec.layers[1].act.alpha, 0.01f);
  EXPECT_EQ(spec.layers[2].lrn_size, 5);
  EXPECT_FLOAT_EQ(spec.layers[2].lrn_alpha, 1e-4f);
  EXPECT_FLOAT_EQ(spec.layers[2].lrn_beta, 0.75f);
  EXPECT_FLOAT_EQ(spec.layers[2].lrn_k, 2.f);
  EXPECT_FLOAT_EQ(spec.layers[3].bn_eps, 1e-5f);
  EXPECT_EQ(spec.layers[4].stride, 2);  // pooling stride defaults to the kernel
  EXPECT_EQ(spec.layers[4].out, (Shape{4, 3, 3}));
  EXPECT_FLOAT_EQ(spec.layers[5].dropout, 0.5f);
  EXPECT_TRUE(spec.layers[6].bias);
  EXPECT_EQ(spec.layers[7].name, "fc1.act");
  EXPECT_EQ(spec.layers[7].act.fn, ActivationFn::ELU);
  EXPECT_FLOAT_EQ(spec.layers[7].act.alpha, 1.f);
  EXPECT_EQ(spec.layers[9].name, "prelu1");
  EXPECT_FLOAT_EQ(spec.layers[9].prelu_init, 0.25f);  // He et al. 2015's initial slope
}

TEST(ModelSpec, FcFlattensSpatialInputImplicitly) {
  const ModelSpec spec =
      parse_model(model_text(R"({"type": "conv", "filters": 5, "kernel": 3}, {"type": "fc", "units": 10})"), "fc.json");
  const LayerSpec& fc = spec.layers[1];
  EXPECT_EQ(fc.in, (Shape{5, 6, 6}));
  EXPECT_EQ(fc.out, (Shape{10, 1, 1}));
  EXPECT_EQ(fc.macs, 5 * 6 * 6 * 10);
  EXPECT_EQ(fc.param_count, 5 * 6 * 6 * 10 + 10);
}

// fc and flatten make each image a vector; a convolution or pooling after them has no image (the
// oneDNN primitive would be refused with an error naming no layer).
TEST(ModelSpec, ConvolutionAndPoolingAfterTheFlatteningAreRefused) {
  EXPECT_THAT(parse_error(model_text(R"({"type": "fc", "units": 20}, {"type": "relu"}, {"type": "conv", "filters": 4, "kernel": 1}, {"type": "fc", "units": 10})")),
              HasSubstr("layer 3 (\"conv1\"): needs an image (channels x height x width) as its input, but layer "
                        "\"fc1\" before it made each image a vector"));
  EXPECT_THAT(parse_error(model_text(R"({"type": "flatten"}, {"type": "maxpool", "kernel": 1}, {"type": "fc", "units": 10})")),
              HasSubstr("layer 2 (\"pool1\"): needs an image"));
  EXPECT_NO_THROW(parse_model(model_text(R"({"type": "fc", "units": 20}, {"type": "batchnorm"}, {"type": "lrn"}, {"type": "fc", "units": 10})"), "m.json"));
}

TEST(ModelSpec, EveryLayerTypeParsesWithItsShapes) {
  const ModelSpec spec = parse_model(model_text(kEveryLayerType), "all.json");
  EXPECT_EQ(layer_named(spec, "stem").out, (Shape{6, 4, 4}));
  EXPECT_EQ(layer_named(spec, "stem").param_count, 6 * 1 * 3 * 3);  // groups 3: one input channel each, no bias
  EXPECT_EQ(layer_named(spec, "stem.act").act.fn, ActivationFn::LeakyReLU);
  EXPECT_EQ(layer_named(spec, "pool1").kind, LayerKind::AvgPool);
  EXPECT_EQ(layer_named(spec, "pool1").out, (Shape{6, 3, 3}));
  EXPECT_EQ(layer_named(spec, "bn1").param_count, 12);
  EXPECT_EQ(layer_named(spec, "pool2").out, (Shape{4, 2, 2}));
  EXPECT_EQ(layer_named(spec, "flat").out, (Shape{16, 1, 1}));
  // prelu: the shape rule keeps the shape; one slope per channel, per unit after a flatten.
  EXPECT_EQ(layer_named(spec, "prelu1").kind, LayerKind::PReLU);
  EXPECT_EQ(layer_named(spec, "prelu1").in, (Shape{6, 3, 3}));
  EXPECT_EQ(layer_named(spec, "prelu1").out, (Shape{6, 3, 3}));
  EXPECT_EQ(layer_named(spec, "prelu1").param_count, 6);
  EXPECT_EQ(layer_named(spec, "prelu1").macs, 0);
  EXPECT_FLOAT_EQ(layer_named(spec, "prelu1").prelu_init, 0.1f);
  EXPECT_EQ(layer_named(spec, "flat.prelu").out, (Shape{16, 1, 1}));
  EXPECT_EQ(layer_named(spec, "flat.prelu").param_count, 16);
  EXPECT_EQ(layer_named(spec, "flat.prelu").prelu_init, 0.f);
  EXPECT_EQ(layer_named(spec, "squash").unit_layer, "fc1");
  EXPECT_EQ(layer_named(spec, "fc2.act").act.fn, ActivationFn::Sigmoid);
}

TEST(ModelSpec, ToJsonRoundTrips) {
  std::vector<ModelSpec> specs = {parse_model(model_text(kEveryLayerType), "all.json")};
  for (const char* name : {"tiny", "tiny-prelu", "alexnet-cifar", "alexnet-cifar-bn", "alexnet-cifar-fast", "alexnet"})
    specs.push_back(load_model(name, kModelsDir));
  for (const ModelSpec& spec : specs) {
    SCOPED_TRACE(spec.name);
    const std::string text = to_json(spec);
    const ModelSpec again = parse_model(text, "canonical.json");
    expect_same_spec(spec, again);
    EXPECT_EQ(to_json(again), text);
  }
  // Every field is explicit in the canonical form.
  const std::string tiny = to_json(load_model("tiny", kModelsDir));
  EXPECT_THAT(tiny, HasSubstr(R"("name":"conv1.act")"));
  EXPECT_THAT(tiny, HasSubstr(R"("groups":1)"));
  EXPECT_THAT(tiny, HasSubstr(R"("stride":2)"));
  EXPECT_THAT(to_json(specs[0]), HasSubstr(R"("slope":0.2)"));
  EXPECT_THAT(to_json(specs[0]), HasSubstr(R"("type":"prelu","name":"prelu1","init_slope":0.1)"));
  EXPECT_THAT(to_json(specs[0]), HasSubstr(R"("init_std":0.0001)"));
  EXPECT_THAT(tiny, Not(HasSubstr("init_std")));  // only a layer that sets it carries it
}

TEST(ModelSpec, AlexNetCifarFastIsTheAirbenchGeometryWithItsRecipe) {
  const ModelSpec spec = load_model("alexnet-cifar-fast", kModelsDir);
  const LayerSpec& whiten = spec.layers.front();
  EXPECT_EQ(whiten.init, ConvInit::PatchWhitening);
  EXPECT_TRUE(whiten.frozen);
  EXPECT_EQ(whiten.out, (Shape{24, 31, 31}));
  EXPECT_EQ(layer_named(spec, "conv3b").out, (Shape{256, 3, 3}));
  int norms = 0;
  for (const LayerSpec& layer : spec.layers)
    if (layer.kind == LayerKind::BatchNorm) {
      ++norms;
      EXPECT_FALSE(layer.bn_scale);
      EXPECT_FLOAT_EQ(layer.bn_momentum, 0.4f);
    }
  EXPECT_EQ(norms, 6);
  EXPECT_NEAR(spec.layers.back().output_scale, 1.0 / 9, 1e-6);
  // airbench94: about 1.97 M parameters and 0.236 GFLOP (~118 M multiply-adds) per image forward
  // (whitening 24x12 on 31x31, then the three blocks); this counts the same layers.
  EXPECT_NEAR(double(total_params(spec)), 1.97e6, 0.01e6);
  const auto recipe = std::find(spec.recipe.begin(), spec.recipe.end(), std::pair<std::string, std::string>{"lr", "1.5"});
  EXPECT_NE(recipe, spec.recipe.end());
}

TEST(ModelSpec, NewLayerFieldsAndRecipeParse) {
  const ModelSpec spec = parse_model(model_text(R"({"type": "conv", "filters": 24, "kernel": 2, "init": "patch-whitening", "frozen": true},
                                                   {"type": "fc", "units": 10, "scale": 0.25})",
                                                R"("recipe": {"lr": 0.5, "nesterov": true, "schedule": "triangle"}, )"),
                                     "r.json");
  EXPECT_EQ(spec.layers[0].init, ConvInit::PatchWhitening);
  EXPECT_FLOAT_EQ(spec.layers[1].output_scale, 0.25f);
  using Option = std::pair<std::string, std::string>;
  EXPECT_EQ(spec.recipe, (std::vector<Option>{{"lr", "0.5"}, {"nesterov", "true"}, {"schedule", "triangle"}}));
}

TEST(ModelSpec, NewFieldsRejectBadValues) {
  EXPECT_THAT(parse_error(model_text(R"({"type": "conv", "filters": 4, "kernel": 3, "init": "orthogonal"}, {"type": "fc", "units": 10})")),
              HasSubstr("layer 1 (\"conv1\"): field \"init\": unknown initialisation \"orthogonal\""));
  EXPECT_THAT(parse_error(model_text(R"({"type": "conv", "filters": 20, "kernel": 2, "init": "patch-whitening"}, {"type": "fc", "units": 10})")),
              HasSubstr("field \"filters\": a patch-whitening layer has 2 x channels x kernel^2 = 24 filters"));
  EXPECT_THAT(parse_error(model_text(R"({"type": "conv", "filters": 4, "kernel": 1}, {"type": "conv", "filters": 8, "kernel": 1, "init": "patch-whitening"}, {"type": "fc", "units": 10})")),
              HasSubstr("layer 2 (\"conv2\"): field \"init\": \"patch-whitening\" applies only to the first layer"));
  EXPECT_THAT(parse_error(model_text(R"({"type": "conv", "filters": 6, "kernel": 3, "groups": 3, "init": "dirac"}, {"type": "fc", "units": 10})")),
              HasSubstr("field \"init\": \"dirac\" needs groups 1"));
  EXPECT_THAT(parse_error(model_text(R"({"type": "fc", "units": 4}, {"type": "batchnorm", "momentum": 0}, {"type": "fc", "units": 10})")),
              HasSubstr("layer 2 (\"bn1\"): field \"momentum\": must be in (0, 1]"));
  EXPECT_THAT(parse_error(model_text(R"({"type": "fc", "units": 4}, {"type": "batchnorm", "scale": 1}, {"type": "fc", "units": 10})")),
              HasSubstr("field \"scale\": must be true or false"));
  EXPECT_THAT(parse_error(model_text(R"({"type": "fc", "units": 10, "scale": -1})")),
              HasSubstr("layer 1 (\"fc1\"): field \"scale\": must be a positive number"));
  EXPECT_THAT(parse_error(model_text(R"({"type": "fc", "units": 10, "frozen": true})")), HasSubstr("field \"frozen\""));
  EXPECT_THAT(parse_error(model_text(R"({"type": "fc", "units": 4}, {"type": "prelu", "init_slope": -0.25}, {"type": "fc", "units": 10})")),
              HasSubstr("layer 2 (\"prelu1\"): field \"init_slope\": must be a number >= 0 (got -0.25)"));
  EXPECT_THAT(parse_error(model_text(R"({"type": "fc", "units": 4}, {"type": "prelu", "init_slope": "0.25"}, {"type": "fc", "units": 10})")),
              HasSubstr("layer 2 (\"prelu1\"): field \"init_slope\""));
  EXPECT_THAT(parse_error(model_text(R"({"type": "fc", "units": 4}, {"type": "prelu", "slope": 0.25}, {"type": "fc", "units": 10})")),
              HasSubstr("field \"slope\""));
  EXPECT_THAT(parse_error(model_text(R"({"type": "fc", "units": 10})", R"("recipe": [1], )")),
              HasSubstr("field \"recipe\": must be an object"));
  EXPECT_THAT(parse_error(model_text(R"({"type": "fc", "units": 10})", R"("recipe": {"lr": [1]}, )")),
              HasSubstr("field \"recipe\": the value of \"lr\" must be a string, number or boolean"));
  EXPECT_THAT(parse_error(model_text(R"({"type": "fc", "units": 10})", R"("recipe": {"--lr": 1}, )")),
              HasSubstr("without \"--\""));
}

TEST(ModelSpec, OverrideActivationChangesOnlyActivations) {
  ModelSpec spec = load_model("alexnet-cifar", kModelsDir);
  const ModelSpec original = spec;
  override_activation(spec, Activation{ActivationFn::ELU, 0.5f});
  int activations = 0;
  for (size_t i = 0; i < spec.layers.size(); ++i) {
    EXPECT_EQ(spec.layers[i].name, original.layers[i].name);
    if (spec.layers[i].kind != LayerKind::Activation) continue;
    ++activations;
    EXPECT_EQ(spec.layers[i].act.fn, ActivationFn::ELU);
    EXPECT_EQ(spec.layers[i].act.alpha, 0.5f);
  }
  EXPECT_EQ(activations, 7);
  EXPECT_THAT(to_json(spec), HasSubstr(R"({"type":"elu","name":"fc2.act","alpha":0.5})"));
}

TEST(ModelSpec, ParseActivationAcceptsEverySpelling) {
  EXPECT_EQ(parse_activation("relu").fn, ActivationFn::ReLU);
  EXPECT_EQ(parse_activation("tanh").fn, ActivationFn::Tanh);
  EXPECT_EQ(parse_activation("sigmoid").fn, ActivationFn::Sigmoid);
  const Activation leaky = parse_activation("leaky-relu");
  EXPECT_EQ(leaky.fn, ActivationFn::LeakyReLU);
  EXPECT_FLOAT_EQ(leaky.alpha, 0.01f);
  EXPECT_FLOAT_EQ(parse_activation("leaky-relu:0.2").alpha, 0.2f);
  const Activation elu = parse_activation("elu");
  EXPECT_EQ(elu.fn, ActivationFn::ELU);
  EXPECT_FLOAT_EQ(elu.alpha, 1.f);
  EXPECT_FLOAT_EQ(parse_activation("elu:0.5").alpha, 0.5f);
  for (const char* text : {"relu", "tanh", "sigmoid", "leaky-relu:0.01", "leaky-relu:0.3", "elu:1", "elu:0.25"})
    EXPECT_EQ(to_string(parse_activation(text)), text);
}

TEST(ModelSpec, ParseActivationRejectsBadSpellings) {
  for (const char* text : {"", "ReLU", "swish", "relu:0.1", "tanh:1", "leaky-relu:", "leaky-relu:abc",
                           "leaky-relu:0.1x", "elu:-1", "elu:nan", "elu:1e99"}) {
    SCOPED_TRACE(text);
    try {
      parse_activation(text);
      ADD_FAILURE() << "accepted";
    } catch (const std::invalid_argument& e) {
      EXPECT_THAT(e.what(), ::testing::AnyOf(HasSubstr("relu, leaky-relu[:slope]"), HasSubstr(">= 0")));
    }
  }
}

// ---- one test per class of error ----

TEST(ModelSpec, JsonSyntaxErrorReportsLineAndColumn) {
  const std::string text = "{\n  \"name\": \"t\",\n  \"classes\": 10 \"layers\": []\n}\n";
  const std::string message = parse_error(text);
  // nlohmann reads the whole offending token: the position is that of its last character.
  EXPECT_THAT(message, HasSubstr("bad.json: line 3, column 24"));
  EXPECT_THAT(message, HasSubstr("invalid JSON"));
  EXPECT_THAT(parse_error(""), HasSubstr("line 1, column 1"));
  EXPECT_THAT(parse_error("{\"name\": 1e999}"), HasSubstr("bad.json: invalid JSON"));
}

TEST(ModelSpec, DuplicateJsonKeyIsAnError) {
  EXPECT_THAT(parse_error(model_text(R"({"type": "fc", "units": 10, "units": 12})")),
              HasSubstr("key \"units\" appears twice"));
}

TEST(ModelSpec, UnknownLayerTypeListsValidTypes) {
  const std::string message =
      parse_error(model_text(R"({"type": "convolution", "filters": 4}, {"type": "fc", "units": 10})"));
  EXPECT_THAT(message, HasSubstr("bad.json: layer 1: field \"type\": unknown layer type \"convolution\""));
  EXPECT_THAT(message, HasSubstr("conv, maxpool, avgpool, fc, lrn, batchnorm, dropout, flatten, relu, leaky-relu"));
}

TEST(ModelSpec, UnknownLayerFieldIsAnError) {
  const std::string message = parse_error(
      model_text(R"({"type": "conv", "filters": 4, "kernal": 3, "kernel": 3}, {"type": "fc", "units": 10})"));
  EXPECT_THAT(message, HasSubstr("layer 1 (\"conv1\"): field \"kernal\": unknown field"));
  EXPECT_THAT(message, HasSubstr("filters, kernel, stride, pad, groups, bias"));
  // The typo is reported rather than the required field it leaves missing.
  EXPECT_THAT(parse_error(model_text(R"({"type": "conv", "filters": 4, "kernal": 3}, {"type": "fc", "units": 10})")),
              HasSubstr("layer 1 (\"conv1\"): field \"kernal\": unknown field"));
}

TEST(ModelSpec, UnknownTopLevelKeyIsAnError) {
  EXPECT_THAT(parse_error(model_text(R"({"type": "fc", "units": 10})", R"("optimizer": "sgd", )")),
              HasSubstr("bad.json: field \"optimizer\": unknown field"));
  EXPECT_THAT(parse_error(R"({"name": "t", "input": {"channels": 3, "height": 8, "width": 8, "depth": 1},
                             "classes": 10, "layers": [{"type": "fc", "units": 10}]})"),
              HasSubstr("input: field \"depth\": unknown field"));
}

TEST(ModelSpec, MissingRequiredFieldIsAnError) {
  EXPECT_THAT(parse_error(model_text(R"({"type": "conv", "kernel": 3}, {"type": "fc", "units": 10})")),
              HasSubstr("layer 1 (\"conv1\"): field \"filters\": missing"));
  EXPECT_THAT(parse_error(model_text(R"({"type": "fc", "units": 4}, {"units": 10})")),
              HasSubstr("layer 2: field \"type\": missing"));
  EXPECT_THAT(parse_error(R"({"name": "t", "input": {"channels": 3, "height": 8, "width": 8}, "layers": []})"),
              HasSubstr("field \"classes\": missing"));
}

TEST(ModelSpec, WrongJsonTypeIsAnError) {
  EXPECT_THAT(parse_error(model_text(R"({"type": "conv", "filters": 4, "kernel": "3"}, {"type": "fc", "units": 10})")),
              HasSubstr("layer 1 (\"conv1\"): field \"kernel\": must be an integer, got \"3\""));
  EXPECT_THAT(parse_error(model_text(R"({"type": "conv", "filters": 4, "kernel": 2.5}, {"type": "fc", "units": 10})")),
              HasSubstr("field \"kernel\": must be an integer"));
  EXPECT_THAT(parse_error(model_text(R"({"type": "fc", "units": 10, "bias": 1})")),
              HasSubstr("layer 1 (\"fc1\"): field \"bias\": must be true or false"));
  EXPECT_THAT(parse_error(model_text(
                  R"({"type": "fc", "units": 4}, {"type": "dropout", "p": "half"}, {"type": "fc", "units": 10})")),
              HasSubstr("layer 2 (\"dropout1\"): field \"p\": must be a number"));
  EXPECT_THAT(parse_error(model_text(R"({"type": "fc", "units": 10, "name": 7})")),
              HasSubstr("layer 1: field \"name\": must be a non-empty string"));
  EXPECT_THAT(parse_error(model_text("7")), HasSubstr("layer 1: must be a JSON object"));
  EXPECT_THAT(parse_error("[1, 2]"), HasSubstr("bad.json: must be a JSON object"));
}

TEST(ModelSpec, NonPositiveSizesAreErrors) {
  EXPECT_THAT(parse_error(model_text(R"({"type": "conv", "filters": 4, "kernel": 0}, {"type": "fc", "units": 10})")),
              HasSubstr("layer 1 (\"conv1\"): field \"kernel\": must be a positive integer"));
  EXPECT_THAT(parse_error(model_text(R"({"type": "conv", "filters": -4, "kernel": 3}, {"type": "fc", "units": 10})")),
              HasSubstr("field \"filters\": must be a positive integer"));
  EXPECT_THAT(
      parse_error(model_text(R"({"type": "conv", "filters": 4, "kernel": 3, "pad": -1}, {"type": "fc", "units": 10})")),
      HasSubstr("field \"pad\": must be a non-negative integer"));
  EXPECT_THAT(parse_error(model_text(R"({"type": "maxpool", "kernel": 2, "stride": 0}, {"type": "fc", "units": 10})")),
              HasSubstr("layer 1 (\"pool1\"): field \"stride\": must be a positive integer"));
  EXPECT_THAT(parse_error(R"({"name": "t", "input": {"channels": 3, "height": 0, "width": 8}, "classes": 10,
                             "layers": [{"type": "fc", "units": 10}]})"),
              HasSubstr("input: field \"height\": must be a positive integer"));
}

TEST(ModelSpec, AbsurdSizesAreRejectedWithoutAllocating) {
  EXPECT_THAT(parse_error(model_text(R"({"type": "fc", "units": 1000000000000}, {"type": "fc", "units": 10})")),
              HasSubstr("field \"units\": 1000000000000 is too large"));
  EXPECT_THAT(parse_error(model_text(
                  R"({"type": "conv", "filters": 16000000, "kernel": 3, "pad": 100000}, {"type": "fc", "units": 10})")),
              HasSubstr("layer 1 (\"conv1\"): the output"));
  EXPECT_THAT(parse_error(model_text(R"({"type": "fc", "units": 18446744073709551615}, {"type": "fc", "units": 10})")),
              HasSubstr("field \"units\": is too large"));
}

TEST(ModelSpec, GroupsMustDivideChannels) {
  EXPECT_THAT(parse_error(model_text(
                  R"({"type": "conv", "filters": 4, "kernel": 3, "groups": 2}, {"type": "fc", "units": 10})")),
              HasSubstr("layer 1 (\"conv1\"): field \"groups\": 2 does not divide the 3 input channels"));
  EXPECT_THAT(parse_error(model_text(
                  R"({"type": "conv", "filters": 5, "kernel": 3, "groups": 3}, {"type": "fc", "units": 10})")),
              HasSubstr("field \"groups\": 3 does not divide the 5 filters"));
}

TEST(ModelSpec, PoolingPadMustBeSmallerThanKernel) {
  EXPECT_THAT(parse_error(model_text(R"({"type": "avgpool", "kernel": 2, "pad": 2}, {"type": "fc", "units": 10})")),
              HasSubstr("layer 1 (\"pool1\"): field \"pad\": 2 must be smaller than the kernel 2"));
}

TEST(ModelSpec, KernelLargerThanPaddedInputIsAnError) {
  EXPECT_THAT(
      parse_error(model_text(R"({"type": "conv", "filters": 4, "kernel": 11, "pad": 1}, {"type": "fc", "units": 10})")),
      HasSubstr("layer 1 (\"conv1\"): field \"kernel\": 11 is larger than the padded input 10x10"));
}

TEST(ModelSpec, ShapeShrinkingToNothingIsAnError) {
  const std::string message =
      parse_error(model_text(R"({"type": "maxpool", "kernel": 2}, {"type": "maxpool", "kernel": 2},
      {"type": "maxpool", "kernel": 2}, {"type": "maxpool", "kernel": 2}, {"type": "fc", "units": 10})"));
  EXPECT_THAT(message, HasSubstr("layer 4 (\"pool4\"): field \"kernel\": 2 is larger than the padded input 1x1"));
  EXPECT_THAT(message, HasSubstr("shrunk"));
}

TEST(ModelSpec, DropoutProbabilityMustBeBelowOne) {
  for (const char* p : {"1", "1.5", "-0.1"}) {
    SCOPED_TRACE(p);
    EXPECT_THAT(parse_error(model_text(std::string(R"({"type": "fc", "units": 4}, {"type": "dropout", "p": )") + p +
                                       R"(}, {"type": "fc", "units": 10})")),
                HasSubstr("layer 2 (\"dropout1\"): field \"p\": must be in [0, 1)"));
  }
  EXPECT_EQ(parse_error(
                model_text(R"({"type": "fc", "units": 4}, {"type": "dropout", "p": 0}, {"type": "fc", "units": 10})")),
            "");
}

TEST(ModelSpec, OtherBadValuesAreErrors) {
  EXPECT_THAT(
      parse_error(model_text(
          R"({"type": "conv", "filters": 4, "kernel": 3}, {"type": "lrn", "size": 4}, {"type": "fc", "units": 10})")),
      HasSubstr("layer 2 (\"lrn1\"): field \"size\": must be odd"));
  EXPECT_THAT(parse_error(model_text(
                  R"({"type": "fc", "units": 4}, {"type": "batchnorm", "eps": 0}, {"type": "fc", "units": 10})")),
              HasSubstr("layer 2 (\"bn1\"): field \"eps\": must be a positive number"));
  EXPECT_THAT(parse_error(model_text(
                  R"({"type": "fc", "units": 4}, {"type": "leaky-relu", "slope": -1}, {"type": "fc", "units": 10})")),
              HasSubstr("layer 2 (\"fc1.act\"): field \"slope\": must be a number >= 0"));
  EXPECT_THAT(parse_error(model_text(
                  R"({"type": "fc", "units": 4}, {"type": "elu", "alpha": 1e300}, {"type": "fc", "units": 10})")),
              HasSubstr("field \"alpha\": is out of range"));
  EXPECT_THAT(parse_error(model_text(R"({"type": "conv", "filters": 4, "kernel": 3, "init_std": -0.01},
                                        {"type": "fc", "units": 10})")),
              HasSubstr("layer 1 (\"conv1\"): field \"init_std\": must be a number >= 0"));
  EXPECT_THAT(parse_error(model_text(R"({"type": "maxpool", "kernel": 2, "init_std": 0.01},
                                        {"type": "fc", "units": 10})")),
              HasSubstr("field \"init_std\""));  // weighted layers only
}

TEST(ModelSpec, LastLayerMustProduceTheClasses) {
  EXPECT_THAT(
      parse_error(model_text(R"({"type": "fc", "units": 12})")),
      HasSubstr("layer 1 (\"fc1\"): field \"units\": the last layer has 12 units but the model has 10 classes"));
  EXPECT_THAT(parse_error(model_text(R"({"type": "fc", "units": 10}, {"type": "relu"})")),
              HasSubstr("layer 2 (\"fc1.act\"): the last layer must be an fc layer"));
}

TEST(ModelSpec, DuplicateNamesAreErrors) {
  EXPECT_THAT(parse_error(model_text(
                  R"({"type": "fc", "units": 4, "name": "hidden"}, {"type": "fc", "units": 10, "name": "hidden"})")),
              HasSubstr("layer 2 (\"hidden\"): field \"name\": \"hidden\" is already the name of layer 1"));
  // Default names collide too: two activations after one unit layer.
  EXPECT_THAT(parse_error(model_text(
                  R"({"type": "fc", "units": 4}, {"type": "relu"}, {"type": "tanh"}, {"type": "fc", "units": 10})")),
              HasSubstr("layer 3 (\"fc1.act\"): field \"name\": \"fc1.act\" is already the name of layer 2"));
  EXPECT_THAT(parse_error(model_text(R"({"type": "fc", "units": 10, "name": "a b"})")),
              HasSubstr("field \"name\": \"a b\" may contain only"));
}

TEST(ModelSpec, ActivationBeforeAnyUnitLayerIsAnError) {
  EXPECT_THAT(parse_error(model_text(R"({"type": "relu"}, {"type": "fc", "units": 10})")),
              HasSubstr("bad.json: layer 1 (relu): an activation must follow a conv or fc layer"));
}

}  // namespace
}  // namespace relunet

namespace relunet {
namespace {

TEST(ModelSpec, StackedActivationsAreAnError) {
  EXPECT_THAT(parse_error(model_text(
                  R"({"type": "fc", "units": 4}, {"type": "tanh"}, {"type": "sigmoid", "name": "second"}, {"type": "fc", "units": 10})")),
              HasSubstr("layer 3 (\"second\"): an activation directly after another activation (\"fc1.act\")"));
}

}  // namespace
}  // namespace relunet
