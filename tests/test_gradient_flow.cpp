// test_gradient_flow.cpp — the gradient-flow statistics (train/gradient_flow.hpp) against
// gradients worked out independently: a two-layer fully connected stack whose backward pass is
// written out here in double, and a conv network in blocked layouts with a partial batch whose
// activation gradients are read back in plain layout; then `train` and `inspect --gradients` end
// to end.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/memory.hpp"
#include "train/gradient_flow.hpp"
#include "test_support.hpp"

namespace relunet::test {
namespace {

namespace fs = std::filesystem;

LayerGradientReport report_of(const std::vector<LayerGradientReport>& reports, const std::string& layer) {
  for (const auto& r : reports)
    if (r.layer == layer) return r;
  ADD_FAILURE() << "no report for " << layer;
  return {};
}

// A model file's layers on an input of C x H x W: the parser names them (conv1, fc2, ...).
ModelSpec model_of(const std::string& input, int classes, const std::string& layers) {
  return parse_model(R"({"name": "flow", "input": )" + input + R"(, "classes": )" + std::to_string(classes) +
                         R"(, "layers": [)" + layers + "]}",
                     "gradient-flow test model");
}

double norm(const std::vector<double>& v) {
  double s = 0;
  for (double x : v) s += x * x;
  return std::sqrt(s);
}

// x (3 features) -> fc1 (3 units) -> ReLU -> fc2 (2 classes) -> softmax cross-entropy, batch 3.
// fc1's unit 1 has a bias of -10, so its pre-activation is negative on every image: its
// gradient, and so a third of fc1's activation gradient, is exactly zero.
TEST(GradientFlow, LinearStackGivesTheHandComputedNorms) {
  ScopedThreads one_thread(1);
  Context ctx;
  const ModelSpec spec = model_of(R"({"channels": 3, "height": 1, "width": 1})", 2,
                                  R"({"type": "fc", "units": 3}, {"type": "relu"}, {"type": "fc", "units": 2})");
  const int64_t batch = 3, in = 3, hidden = 3, classes = 2;
  Network net(spec, batch, NetworkPurpose::Training, 0, ctx);
  const std::vector<float> w1 = {0.5f, -0.2f, 0.3f,  0.2f, 0.4f, 0.6f,  -0.3f, 0.2f, 0.5f};
  const std::vector<float> b1 = {0.1f, -10.f, 0.2f};
  const std::vector<float> w2 = {0.7f, -0.4f, 0.3f,  -0.5f, 0.6f, 0.2f};
  const std::vector<float> b2 = {0.05f, -0.05f};
  const std::vector<float> x = {1.f, 2.f, 0.5f,  -0.5f, 1.f, 1.f,  0.3f, -1.f, 2.f};
  const std::vector<int32_t> labels = {0, 1, 1};
  for (Param* p : net.params()) {
    const std::vector<float>& v = p->name == "fc1.weight" ? w1 : p->name == "fc1.bias" ? b1
                                : p->name == "fc2.weight" ? w2 : b2;
    set_plain_values(p->value, v, ctx);
  }
  std::copy(x.begin(), x.end(), net.input());

  // The reference, in double: forward, then the backward of the batch-mean cross-entropy.
  std::vector<double> h(batch * hidden), a(batch * hidden), dh(batch * hidden, 0.0);
  std::vector<double> dw1(hidden * in, 0.0), dw2(classes * hidden, 0.0);
  for (int64_t n = 0; n < batch; ++n) {
    for (int64_t j = 0; j < hidden; ++j) {
      double s = b1[j];
      for (int64_t i = 0; i < in; ++i) s += double(w1[j * in + i]) * x[n * in + i];
      h[n * hidden + j] = s;
      a[n * hidden + j] = std::max(s, 0.0);
    }
    double z[2], zmax = -INFINITY, sum = 0;
    for (int64_t k = 0; k < classes; ++k) {
      z[k] = b2[k];
      for (int64_t j = 0; j < hidden; ++j) z[k] += double(w2[k * hidden + j]) * a[n * hidden + j];
      zmax = std::max(zmax, z[k]);
    }
    for (int64_t k = 0; k < classes; ++k) sum += std::exp(z[k] - zmax);
    for (int64_t k = 0; k < classes; ++k) {
      const double dz = (std::exp(z[k] - zmax) / sum - (labels[n] == k)) / double(batch);
      for (int64_t j = 0; j < hidden; ++j) {
        dw2[k * hidden + j] += dz * a[n * hidden + j];
        if (h[n * hidden + j] > 0) dh[n * hidden + j] += dz * w2[k * hidden + j];
      }
    }
    for (int64_t j = 0; j < hidden; ++j)
      for (int64_t i = 0; i < in; ++i) dw1[j * in + i] += dh[n * hidden + j] * x[n * in + i];
  }
  int64_t zeros = 0;
  for (double v : dh) zeros += v == 0.0;
  ASSERT_GE(zeros, batch);  // unit 1 on every image, and maybe more

  // One SGD step without momentum or decay: the update is lr * dW.
  SgdOptions so;
  so.momentum = 0.f;
  so.weight_decay = 0.f;
  Sgd sgd(net.params(), so);
  GradientFlow flow(net, sgd.params(), true);
  const float lr = 0.5f;
  net.forward(Pass::training_step(0));
  SoftmaxCrossEntropy loss(net.logits(), net.logits_grad(), 0.f);
  loss.forward(ctx.stream, labels.data(), batch);
  loss.backward();
  net.backward(flow.observer());
  sgd.step(lr, flow.update_norms());
  flow.end_step(true);
  const auto reports = flow.report();
  ASSERT_EQ(reports.size(), 2u);

  const auto fc1 = report_of(reports, "fc1"), fc2 = report_of(reports, "fc2");
  std::vector<double> w1d(w1.begin(), w1.end()), w2d(w2.begin(), w2.end());
  EXPECT_EQ(fc1.activation, "relu");
  EXPECT_EQ(fc1.steps, 1);
  EXPECT_NEAR(fc1.weight_grad_norm, norm(dw1), 1e-5 * norm(dw1));
  EXPECT_NEAR(fc1.update_ratio, lr * norm(dw1) / norm(w1d), 1e-5);
  EXPECT_NEAR(fc1.act_grad_norm, norm(dh), 1e-5 * norm(dh));
  EXPECT_DOUBLE_EQ(fc1.act_grad_zero_fraction, double(zeros) / double(batch * hidden));
  EXPECT_TRUE(fc2.activation.empty());  // the output layer: no activation after it
  EXPECT_FALSE(fc2.has_activation);
  EXPECT_NEAR(fc2.weight_grad_norm, norm(dw2), 1e-5 * norm(dw2));
  EXPECT_NEAR(fc2.update_ratio, lr * norm(dw2) / norm(w2d), 1e-5);
  const nlohmann::json j = to_json(fc2);
  EXPECT_TRUE(j.at("act_grad_norm").is_null());
  EXPECT_DOUBLE_EQ(j.at("weight_grad_norm").get<double>(), fc2.weight_grad_norm);

  flow.reset();  // a new epoch
  EXPECT_EQ(flow.report()[0].steps, 0);
}

// A conv network in oneDNN's blocked layouts (6 and 10 channels, padded in the blocks), a batch of
// 5 of which 3 images are valid: the norms and zero fractions equal those of the plain gradient
// tensors read back after each activation's backward, over the valid images.
TEST(GradientFlow, BlockedLayoutsAndPartialBatchesMatchThePlainTensors) {
  ScopedThreads one_thread(1);
  Context ctx;
  const ModelSpec spec = model_of(R"({"channels": 3, "height": 8, "width": 8})", 4,
                                  R"({"type": "conv", "filters": 6, "kernel": 3, "pad": 1}, {"type": "relu"},
                                     {"type": "maxpool", "kernel": 2, "stride": 2},
                                     {"type": "conv", "filters": 10, "kernel": 3, "pad": 1}, {"type": "tanh"},
                                     {"type": "fc", "units": 4})");
  const int64_t batch = 5, valid = 3;
  Network net(spec, batch, NetworkPurpose::Training, 0, ctx);
  randomize_params(net, 7);
  const std::vector<float> images = uniform_values(size_t(batch * spec.input.size()), 8, -1.f, 1.f);
  std::copy(images.begin(), images.end(), net.input());
  net.set_valid_images(valid);
  SoftmaxCrossEntropy loss(net.logits(), net.logits_grad(), 0.f);
  const std::vector<int32_t> labels = random_labels(batch, 4, 9);
  GradientFlow flow(net, net.params(), true);
  flow.set_valid_images(valid);

  struct Plain {
    double sum_squares = 0;
    int64_t zeros = 0, elements = 0;
  };
  std::vector<Plain> expected;  // per activation, in backward order
  const auto observe = flow.observer();
  for (int step = 0; step < 2; ++step) {
    net.forward(Pass::training_step(uint64_t(step)));
    loss.forward(ctx.stream, labels.data(), valid);
    loss.backward();
    net.backward([&](size_t i) {
      observe(i);
      if (!dynamic_cast<ActivationLayer*>(&net.layer(i))) return;
      const Tensor g = Tensor::of(net.output_grad_of(i - 1), ctx);
      Plain p;
      const size_t per_image = g.data.size() / size_t(g.n);
      for (size_t k = 0; k < per_image * size_t(valid); ++k) {
        p.sum_squares += g.data[k] * g.data[k];
        p.zeros += g.data[k] == 0.0;
        ++p.elements;
      }
      expected.push_back(p);
    });
    flow.end_step(false);
  }
  ASSERT_EQ(expected.size(), 4u);  // two activations, two steps
  const auto reports = flow.report();
  const auto conv1 = report_of(reports, "conv1"), conv2 = report_of(reports, "conv2");
  // Backward order: conv2's activation first.
  const Plain* e2[2] = {&expected[0], &expected[2]};
  const Plain* e1[2] = {&expected[1], &expected[3]};
  const auto mean_norm = [](const Plain* const (&e)[2]) {
    return 0.5 * (std::sqrt(e[0]->sum_squares) + std::sqrt(e[1]->sum_squares));
  };
  const auto zero_fraction = [](const Plain* const (&e)[2]) {
    return double(e[0]->zeros + e[1]->zeros) / double(e[0]->elements + e[1]->elements);
  };
  EXPECT_EQ(conv1.steps, 2);
  EXPECT_NEAR(conv1.act_grad_norm, mean_norm(e1), 1e-6 * mean_norm(e1));
  EXPECT_NEAR(conv2.act_grad_norm, mean_norm(e2), 1e-6 * mean_norm(e2));
  EXPECT_DOUBLE_EQ(conv1.act_grad_zero_fraction, zero_fraction(e1));
  EXPECT_DOUBLE_EQ(conv2.act_grad_zero_fraction, zero_fraction(e2));
  EXPECT_GT(conv1.act_grad_zero_fraction, 0.2);  // ReLU zeros (and the max-pool's losers)
  EXPECT_LT(conv2.act_grad_zero_fraction, 0.01);  // tanh has none
  EXPECT_FALSE(conv1.has_updates);  // end_step(false): nothing was updated
  EXPECT_TRUE(conv1.has_weights);
  // Nothing changed between the two steps (no dropout, no update): each step's weight gradient
  // is the one left in the buffer.
  const Tensor dw = Tensor::of(net.layer(0).params()[0]->grad, ctx);
  EXPECT_NEAR(conv1.weight_grad_norm, norm(dw.data), 1e-6 * norm(dw.data));
}

TEST(GradientFlow, DisabledCostsNothing) {
  Context ctx;
  const ModelSpec spec = model_of(R"({"channels": 3, "height": 1, "width": 1})", 2,
                                  R"({"type": "fc", "units": 3}, {"type": "relu"}, {"type": "fc", "units": 2})");
  Network net(spec, 2, NetworkPurpose::Training, 0, ctx);
  GradientFlow flow(net, net.params(), false);
  EXPECT_FALSE(flow.observer());
  EXPECT_EQ(flow.update_norms(), nullptr);
  flow.end_step(true);
  for (const auto& r : flow.report()) EXPECT_EQ(r.steps, 0);
}

}  // namespace
}  // namespace relunet::test
