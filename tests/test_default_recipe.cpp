// test_default_recipe.cpp — `relunet train` with no options besides the data reproduces the
// shipped model's recipe: the default TrainOptions equal the options saved in models/default.ckpt,
// apart from what README's shipped-model command gives (the time budget and the epoch count it
// chose).
#include <gtest/gtest.h>

#include <string>

#include <nlohmann/json.hpp>

#include "io/checkpoint.hpp"
#include "train/train_options.hpp"

namespace relunet {
namespace {

TEST(DefaultRecipe, TrainDefaultsAreTheShippedModelsOptions) {
  const std::string path = std::string(RELUNET_SOURCE_DIR) + "/models/default.ckpt";
  const auto state = nlohmann::json::parse(load_checkpoint(path).train_state_json);
  ASSERT_TRUE(state.contains("options")) << path << " holds no run options";
  // Through TrainOptions, so options added since the checkpoint was written take their defaults.
  nlohmann::json shipped = to_json(train_options_from_json(state["options"]));
  nlohmann::json defaults = to_json(TrainOptions{});
  for (const char* given : {"time_budget_minutes", "epochs"}) {
    shipped.erase(given);
    defaults.erase(given);
  }
  EXPECT_EQ(defaults, shipped) << "differences from the defaults to " << path << ": "
                               << nlohmann::json::diff(defaults, shipped).dump();
}

}  // namespace
}  // namespace relunet
