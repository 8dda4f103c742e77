// test_batch_input.cpp — load_batch, where every batch enters a network: images of another shape
// than the model's input and labels outside its classes are refused before anything is copied.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <vector>

#include "net/batch_input.hpp"
#include "test_support.hpp"

namespace {

using namespace relunet;
using namespace relunet::test;
using ::testing::HasSubstr;

constexpr int kRows = 2;

struct Fixture {
  Context ctx;
  Network net{make_model(Shape{3, 4, 4}, {fc_layer(5)}), kRows, NetworkPurpose::Inference, 0, ctx};
  std::vector<float> images = uniform_values(kRows * 3 * 4 * 4, 1, -1.f, 1.f);
  std::vector<int32_t> labels = {4, 0};
  Batch batch() { return Batch{images.data(), labels.data(), kRows, 7, kRows, 3, 4, 4}; }
};

std::string error_of(Network& net, const Batch& batch) {
  try {
    load_batch(net, batch);
  } catch (const std::exception& e) {
    return e.what();
  }
  return "";
}

TEST(LoadBatch, CopiesAMatchingBatch) {
  Fixture f;
  load_batch(f.net, f.batch());
  EXPECT_EQ(std::vector<float>(f.net.input(), f.net.input() + f.images.size()), f.images);
}

TEST(LoadBatch, RefusesImagesOfAnotherShape) {
  Fixture f;
  Batch four_channels = f.batch();
  four_channels.channels = 4;
  EXPECT_THAT(error_of(f.net, four_channels), HasSubstr("takes 3x4x4 (channels x height x width) "
                                                        "images, the data give 4x4x4"));
  Batch wider = f.batch();
  wider.width = 5;
  EXPECT_THAT(error_of(f.net, wider), HasSubstr("the data give 3x4x5"));
}

TEST(LoadBatch, RefusesALabelOutsideTheClasses) {
  Fixture f;
  f.labels = {0, 5};
  EXPECT_THAT(error_of(f.net, f.batch()), HasSubstr("image 1 of batch 7 has label 5, but the model has 5 classes"));
  f.labels = {-1, 0};
  EXPECT_THAT(error_of(f.net, f.batch()), HasSubstr("image 0 of batch 7 has label -1"));
  // Rows past the valid count carry -1 and are not labels.
  Batch short_batch = f.batch();
  short_batch.count = 1;
  f.labels = {2, -1};
  EXPECT_EQ(error_of(f.net, short_batch), "");
}

}  // namespace
