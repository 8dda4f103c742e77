// test_fine_tune.cpp — relunet train --init-from end to end: the shipped CIFAR-10 model
// fine-tuned on a small generated two-class image folder, its final layer replaced (10 -> 2
// classes, said in the log) and the layers before it frozen: those keep the shipped weights
// exactly, the new layer learns the task.
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>
#include <random>
#include <sstream>

#include "core/context.hpp"
#include "io/checkpoint.hpp"
#include "model/model_spec.hpp"
#include "net/initialization.hpp"
#include "net/model_checkpoint.hpp"
#include "test_files.hpp"
#include "train/fine_tune.hpp"

namespace relunet::test {
namespace {

namespace fs = std::filesystem;

// DIR/{train,val}/{cool,warm}/*.png: 32x32 noise, red-heavy ("warm") or blue-heavy ("cool").
void write_colour_folder(const fs::path& root, int train_per_class, int val_per_class) {
  std::mt19937 rng(3);
  std::uniform_int_distribution<int> low(0, 120), high(135, 255);
  for (const std::string split : {"train", "val"})
    for (const std::string label : {"cool", "warm"}) {
      fs::create_directories(root / split / label);
      const int count = split == "train" ? train_per_class : val_per_class;
      for (int i = 0; i < count; ++i) {
        cv::Mat image(32, 32, CV_8UC3);  // OpenCV writes BGR
        for (auto it = image.begin<cv::Vec3b>(); it != image.end<cv::Vec3b>(); ++it) {
          const int warm = high(rng), cool = low(rng);
          *it = label == "warm" ? cv::Vec3b(cool, low(rng), warm) : cv::Vec3b(warm, low(rng), cool);
        }
        cv::imwrite((root / split / label / (std::to_string(i) + ".png")).string(), image);
      }
    }
}

std::map<std::string, std::vector<float>> params_by_name(const Checkpoint& c) {
  std::map<std::string, std::vector<float>> by_name;
  for (const NamedTensor& t : c.params) by_name[t.name] = t.data;
  return by_name;
}

TEST(FineTune, ReplacesTheFinalLayerFreezesTheOthersAndLearnsTheNewTask) {
  const fs::path dir = fs::path(::testing::TempDir()) / "relunet_fine_tune";
  fs::remove_all(dir);
  write_colour_folder(dir / "images", 32, 16);
  const fs::path shipped = fs::path(RELUNET_SOURCE_DIR) / "models/default.ckpt";
  const Checkpoint before = load_checkpoint(shipped.string());
  const std::string final_layer = parse_model(before.model_json, "shipped").layers.back().name;
  const Output o = run_relunet(
      dir, {"train", "--init-from", shipped, "--freeze-before", final_layer, "--data", dir / "images", "--epochs",
            "4", "--batch", "16", "--lr", "0.05", "--no-unit-stats", "--out", dir / "run"});
  ASSERT_EQ(o.exit_code, 0) << o.err;
  EXPECT_NE(o.err.find("the model has 10 classes and the data 2: replacing the final layer '" + final_layer + "'"),
            std::string::npos)
      << o.err;
  EXPECT_NE(o.err.find("--freeze-before " + final_layer + ": "), std::string::npos) << o.err;

  const Checkpoint after = load_checkpoint((dir / "run/last.ckpt").string());
  EXPECT_EQ(after.class_names, (std::vector<std::string>{"cool", "warm"}));
  EXPECT_EQ(parse_model(after.model_json, "after").classes, 2);
  auto old_params = params_by_name(before);
  int frozen = 0;
  for (const auto& [name, values] : params_by_name(after)) {
    if (name.rfind(final_layer + ".", 0) == 0) {
      EXPECT_EQ(values.size(), old_params[name].size() / 5) << name;  // 10 classes -> 2
      continue;
    }
    if (name.find(".running_") != std::string::npos) continue;  // batch-norm statistics adapt
    EXPECT_EQ(values, old_params[name]) << name << " changed although it is frozen";
    ++frozen;
  }
  EXPECT_GT(frozen, 10);

  std::istringstream metrics(read_bytes(dir / "run/metrics.jsonl"));
  double last_val_accuracy = 0;
  for (std::string line; std::getline(metrics, line);)
    last_val_accuracy = nlohmann::json::parse(line).at("val_accuracy").get<double>();
  EXPECT_GE(last_val_accuracy, 0.9) << "the new final layer should separate warm from cool images";
}

// A trained head scores the checkpoint's classes in its order: it is kept only for the same
// classes, or for unnamed ones (an imported model's), and replaced for another number of classes
// or the same number named otherwise.
TEST(FineTune, KeepsTheFinalLayerOnlyForTheCheckpointsClasses) {
  const fs::path dir = fs::path(::testing::TempDir()) / "relunet_fine_tune_classes";
  fs::create_directories(dir);
  Context ctx;
  Network net(load_model("tiny", std::string(RELUNET_SOURCE_DIR) + "/models"), 1, NetworkPurpose::Inference, 0, ctx);
  initialize_params(net, 1);
  std::vector<std::string> cifar = {"airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"};
  std::vector<std::string> unnamed;
  for (int k = 0; k < 10; ++k) unnamed.push_back(std::to_string(k));
  save_checkpoint(checkpoint_of(net, Normalization{}, cifar), (dir / "named.ckpt").string());
  save_checkpoint(checkpoint_of(net, Normalization{}, unnamed), (dir / "unnamed.ckpt").string());
  std::vector<std::string> renamed = cifar;
  std::swap(renamed[0], renamed[1]);

  EXPECT_FALSE(load_pretrained((dir / "named.ckpt").string(), cifar, "").replaced_final);
  EXPECT_TRUE(load_pretrained((dir / "named.ckpt").string(), renamed, "").replaced_final) << "same number, other order";
  EXPECT_FALSE(load_pretrained((dir / "unnamed.ckpt").string(), renamed, "").replaced_final);
  const Pretrained two = load_pretrained((dir / "named.ckpt").string(), {"cool", "warm"}, "");
  EXPECT_TRUE(two.replaced_final);
  EXPECT_EQ(two.spec.classes, 2);
  EXPECT_EQ(two.spec.layers.back().outputs, 2);
}

}  // namespace
}  // namespace relunet::test
