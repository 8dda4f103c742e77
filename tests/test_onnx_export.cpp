// test_onnx_export.cpp — relunet -> ONNX -> OpenCV DNN: the shipped model and every model file in
// models/ (random weights) exported and run in OpenCV's DNN module on the sample images give
// relunet's logits within 1e-4 of their scale and the same top-1 class. With RELUNET_ONNX_CASES
// set, each case's model, input and relunet logits are also written there (manifest.json) for
// the onnx.checker and onnxruntime tests (tests/CMakeLists.txt).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <opencv2/dnn.hpp>

#include "data/image_decode.hpp"
#include "data/input_normalizer.hpp"
#include "onnx/onnx_export.hpp"
#include "onnx/onnx_import.hpp"
#include "test_files.hpp"
#include "test_support.hpp"
#include "train/run_checkpoint.hpp"

namespace relunet::test {
namespace {

namespace fs = std::filesystem;

constexpr double kTolerance = 1e-4;  // of the largest |logit|

const fs::path kSource = RELUNET_SOURCE_DIR;

std::vector<cv::Mat> sample_images(const Shape& input) {
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(kSource / "models/samples")) files.push_back(entry.path());
  std::sort(files.begin(), files.end());
  std::vector<cv::Mat> images;
  for (const fs::path& file : files)
    images.push_back(to_model_input(decode_rgb(file.string()), int(input.h), int(input.w), FitMode::Resize));
  return images;
}

// An exported model, the 0-255 planar input it is fed and relunet's logits for it.
struct Case {
  std::string name;
  std::string onnx;  // serialised ModelProto
  std::vector<float> input, logits;
  std::vector<int> shape;
  int64_t classes = 0;
};

// Runs `ckpt` in relunet on the sample images and exports it.
Case make_case(const std::string& name, const Checkpoint& ckpt, Network& net) {
  const Shape& in = net.spec().input;
  const std::vector<cv::Mat> images = sample_images(in);
  const InputNormalizer normalizer(ckpt.norm);
  Case c{name, {}, {}, {}, {int(images.size()), int(in.c), int(in.h), int(in.w)}, net.spec().classes};
  for (size_t i = 0; i < images.size(); ++i) {
    normalizer.write_planar(images[i], net.input() + i * in.size());
    std::vector<cv::Mat> planes;
    cv::split(images[i], planes);
    for (const cv::Mat& plane : planes)
      c.input.insert(c.input.end(), plane.begin<uint8_t>(), plane.end<uint8_t>());
  }
  net.forward(Pass::inference());
  c.logits = plain_values(net.logits(), net.context());
  export_onnx(ckpt, name).SerializeToString(&c.onnx);
  return c;
}

Case model_file_case(const std::string& model) {
  const ModelSpec spec = load_model(model, (kSource / "models").string());
  Context ctx;
  Network net(spec, 10, NetworkPurpose::Inference, 0, ctx);
  randomize_params(net, 11);
  Normalization norm{{0.49f, 0.48f, 0.45f}, {0.25f, 0.24f, 0.26f}};
  std::vector<std::string> names;
  for (int64_t k = 0; k < spec.classes; ++k) names.push_back("class " + std::to_string(k));
  return make_case(model, checkpoint_of(net, norm, names), net);
}

Case shipped_case() {
  Context ctx;
  LoadedModel m = load_model_checkpoint((kSource / "models/default.ckpt").string(), 10, ctx);
  return make_case("default.ckpt", m.checkpoint, *m.net);
}

struct Comparison {
  double max_diff = 0, scale = 0;
  int same_top1 = 0;
};

Comparison compare(const std::vector<float>& actual, const std::vector<float>& expected, int64_t classes) {
  Comparison r;
  for (size_t i = 0; i < expected.size(); ++i) {
    r.scale = std::max(r.scale, double(std::abs(expected[i])));
    r.max_diff = std::max(r.max_diff, double(std::abs(actual[i] - expected[i])));
  }
  for (size_t n = 0; n * classes < expected.size(); ++n) {
    const auto row = [&](const std::vector<float>& v) { return v.begin() + n * classes; };
    r.same_top1 += std::max_element(row(actual), row(actual) + classes) - row(actual) ==
                   std::max_element(row(expected), row(expected) + classes) - row(expected);
  }
  return r;
}

std::vector<float> opencv_logits(const Case& c) {
  cv::dnn::Net net = cv::dnn::readNetFromONNX(c.onnx.data(), c.onnx.size());
  net.setInput(cv::Mat(4, c.shape.data(), CV_32F, const_cast<float*>(c.input.data())), "images");
  const cv::Mat out = net.forward("logits");
  return std::vector<float>(out.ptr<float>(), out.ptr<float>() + out.total());
}

void write_floats(const fs::path& path, const std::vector<float>& values) {
  write_bytes(path, std::string(reinterpret_cast<const char*>(values.data()), values.size() * sizeof(float)));
}

std::vector<std::string> model_names() {
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(kSource / "models"))
    if (entry.path().extension() == ".json") names.push_back(entry.path().stem().string());
  std::sort(names.begin(), names.end());
  return names;
}

TEST(OnnxExport, OpenCvDnnMatchesRelunet) {
  const char* cases_dir = std::getenv("RELUNET_ONNX_CASES");
  nlohmann::json manifest = nlohmann::json::array();
  std::vector<std::string> models = model_names();
  ASSERT_GE(models.size(), 6u);
  models.push_back("default.ckpt");
  for (const std::string& model : models) {
    const Case c = model == "default.ckpt" ? shipped_case() : model_file_case(model);
    std::vector<float> logits;
    try {
      logits = opencv_logits(c);
    } catch (const cv::Exception& e) {
      ADD_FAILURE() << model << ": OpenCV DNN: " << e.what();
      continue;
    }
    ASSERT_EQ(logits.size(), c.logits.size()) << model;
    const Comparison r = compare(logits, c.logits, c.classes);
    EXPECT_LE(r.max_diff, kTolerance * r.scale) << model;
    EXPECT_EQ(r.same_top1, c.shape[0]) << model;
    std::printf("OpenCV DNN %s: max |logit diff| %.2e (relative %.2e), same top-1 %d/%d\n", model.c_str(),
                r.max_diff, r.max_diff / r.scale, r.same_top1, c.shape[0]);
    if (cases_dir == nullptr) continue;
    const fs::path dir = cases_dir;
    write_bytes(dir / (model + ".onnx"), c.onnx);
    write_floats(dir / (model + ".input.f32"), c.input);
    write_floats(dir / (model + ".logits.f32"), c.logits);
    manifest.push_back({{"name", model},
                        {"model", model + ".onnx"},
                        {"input", model + ".input.f32"},
                        {"logits", model + ".logits.f32"},
                        {"shape", c.shape},
                        {"classes", c.classes}});
  }
  if (cases_dir) write_bytes(fs::path(cases_dir) / "manifest.json", manifest.dump(2));
}

// relunet -> ONNX -> relunet gives back the same model, parameters and normalisation.
TEST(OnnxExport, ImportGivesBackTheCheckpoint) {
  for (const std::string model : {"alexnet-cifar-bn", "alexnet-fig1", "tiny", "tiny-prelu"}) {
    const ModelSpec spec = load_model(model, (kSource / "models").string());
    Context ctx;
    Network net(spec, 1, NetworkPurpose::Inference, 0, ctx);
    randomize_params(net, 3);
    const std::vector<std::string> classes = {"x0", "x1", "x2", "x3", "x4", "x5", "x6", "x7", "x8", "x9"};
    const Checkpoint original = checkpoint_of(net, {{0.4f, 0.5f, 0.6f}, {0.2f, 0.3f, 0.25f}}, classes);
    std::string bytes;
    export_onnx(original, model).SerializeToString(&bytes);
    const Checkpoint back = import_onnx(bytes, model + ".onnx", {});
    // The same layers, except that dropout is gone and a Flatten node before an fc layer
    // that flattens implicitly comes back as a flatten layer.
    const auto layers = [](const std::string& json) {
      std::vector<std::string> kept;
      for (const LayerSpec& l : parse_model(json, "model").layers)
        if (l.kind != LayerKind::Dropout && l.kind != LayerKind::Flatten)
          kept.push_back(l.name + ": " + to_string(l.kind) + " " + std::to_string(l.outputs) + " " +
                         std::to_string(l.kernel) + " " + std::to_string(l.stride) + " " +
                         std::to_string(l.pad) + " " + std::to_string(l.groups) + " " + to_string(l.act) +
                         " " + std::to_string(l.bias));
      return kept;
    };
    EXPECT_EQ(layers(back.model_json), layers(original.model_json)) << model;
    EXPECT_EQ(back.class_names, original.class_names);
    for (size_t c = 0; c < 3; ++c) {
      EXPECT_NEAR(back.norm.mean[c], original.norm.mean[c], 1e-6);
      EXPECT_NEAR(back.norm.stddev[c], original.norm.stddev[c], 1e-6);
    }
    ASSERT_EQ(back.params.size(), original.params.size());
    for (size_t i = 0; i < back.params.size(); ++i) {
      EXPECT_EQ(back.params[i].name, original.params[i].name);
      EXPECT_EQ(back.params[i].dims, original.params[i].dims) << back.params[i].name;
      EXPECT_EQ(back.params[i].data, original.params[i].data) << back.params[i].name;
    }
  }
}

}  // namespace
}  // namespace relunet::test
