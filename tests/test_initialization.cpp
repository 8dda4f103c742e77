// Tests for parameter initialisation: the fan-based defaults (He before ReLU-like activations,
// Xavier otherwise) and a model file's init_std, checked on the sample statistics of the weights.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/memory.hpp"
#include "model/model_spec.hpp"
#include "net/initialization.hpp"
#include "net/network.hpp"

namespace relunet {
namespace {

struct Moments {
  double mean = 0, std = 0, max_abs = 0;
};

// A 3x16x16 -> conv 64 5x5 -> act -> fc 256 -> act -> fc 10 network, initialised with `seed`.
// `act` is the activation layer's JSON object; `*_extra` are extra fields of the conv and fc1 layers.
class Initialised {
 public:
  Initialised(const std::string& act, const std::string& conv_extra = "",
              const std::string& fc_extra = "", uint64_t seed = 1)
      : net_(parse_model(R"({"name": "t", "input": {"channels": 3, "height": 16, "width": 16},
                            "classes": 10, "layers": [
                            {"type": "conv", "filters": 64, "kernel": 5)" + conv_extra + "}, " +
                             act + R"(, {"type": "fc", "units": 256)" + fc_extra + "}, " + act +
                             R"(, {"type": "fc", "units": 10}]})",
                         "t.json"),
             1, NetworkPurpose::Inference, 0, ctx_) {
    initialize_params(net_, seed);
  }

  std::vector<float> values(const std::string& name) {
    for (Param* p : net_.params())
      if (p->name == name) return read_plain(p->value, ctx_.stream);
    throw std::runtime_error("no parameter " + name);
  }

  Moments moments(const std::string& name) {
    const std::vector<float> v = values(name);
    Moments m;
    for (float x : v) m.mean += x;
    m.mean /= double(v.size());
    for (float x : v) {
      m.std += (x - m.mean) * (x - m.mean);
      m.max_abs = std::max(m.max_abs, double(std::fabs(x)));
    }
    m.std = std::sqrt(m.std / double(v.size()));
    return m;
  }

 private:
  Context ctx_;
  Network net_;
};

const std::string kRelu = R"({"type": "relu"})";
constexpr double kConvFanIn = 3 * 5 * 5, kFcFanIn = 64 * 12 * 12, kFcFanOut = 256;
constexpr double kConvWeights = 64 * kConvFanIn, kFcWeights = kFcFanIn * kFcFanOut;

// The sample std of n normal draws is within 4 standard errors (std / sqrt(2n)) of the true std.
void expect_normal(const Moments& m, double std, double n) {
  EXPECT_NEAR(m.std, std, 4 * std / std::sqrt(2 * n));
  EXPECT_NEAR(m.mean, 0, 4 * std / std::sqrt(n));
  EXPECT_GT(m.max_abs, 3 * std);  // normal tails, not a uniform of the same std (max 1.73 std)
}

TEST(Initialization, HeNormalBeforeReluLikeActivations) {
  Initialised relu(kRelu);
  expect_normal(relu.moments("conv1.weight"), std::sqrt(2 / kConvFanIn), kConvWeights);
  expect_normal(relu.moments("fc1.weight"), std::sqrt(2 / kFcFanIn), kFcWeights);
  // A Leaky ReLU's slope lowers the gain to 2 / (1 + slope^2).
  Initialised leaky(R"({"type": "leaky-relu", "slope": 0.5})");
  expect_normal(leaky.moments("fc1.weight"), std::sqrt(2 / 1.25 / kFcFanIn), kFcWeights);
}

// PReLU (He et al. 2015): the gain of a Leaky ReLU with the initial slope, and every slope starts
// at "init_slope".
TEST(Initialization, PReluSlopesStartAtInitSlopeAndSetTheGain) {
  Initialised prelu(R"({"type": "prelu", "init_slope": 0.5})");
  expect_normal(prelu.moments("conv1.weight"), std::sqrt(2 / 1.25 / kConvFanIn), kConvWeights);
  expect_normal(prelu.moments("fc1.weight"), std::sqrt(2 / 1.25 / kFcFanIn), kFcWeights);
  EXPECT_EQ(prelu.values("prelu1.slope"), std::vector<float>(64, 0.5f));
  EXPECT_EQ(prelu.values("prelu2.slope"), std::vector<float>(256, 0.5f));
}

TEST(Initialization, XavierUniformBeforeTanhAndForTheLogits) {
  Initialised tanh(R"({"type": "tanh"})");
  const double limit = std::sqrt(6 / (kFcFanIn + kFcFanOut));
  const Moments fc = tanh.moments("fc1.weight");
  EXPECT_NEAR(fc.std, limit / std::sqrt(3.0), 0.01 * limit);
  EXPECT_LE(fc.max_abs, limit);
  EXPECT_GT(fc.max_abs, 0.99 * limit);
  const Moments logits = Initialised(kRelu).moments("fc2.weight");
  EXPECT_LE(logits.max_abs, std::sqrt(6 / (256.0 + 10)));
}

TEST(Initialization, InitStdReplacesTheDefaultPerLayer) {
  Initialised paper(R"({"type": "tanh"})", R"(, "init_std": 0.0001)", R"(, "init_std": 0.01)");
  expect_normal(paper.moments("conv1.weight"), 1e-4, kConvWeights);
  expect_normal(paper.moments("fc1.weight"), 0.01, kFcWeights);
  const Moments logits = paper.moments("fc2.weight");  // no init_std: still Xavier
  EXPECT_LE(logits.max_abs, std::sqrt(6 / (256.0 + 10)));
  EXPECT_GT(logits.max_abs, 0.05);
}

// As PyTorch's dirac_ on w[:in_channels]: filter o < 3 passes channel o through unchanged (a 1 at
// the kernel centre); the other 61 filters keep the random initialisation.
TEST(Initialization, DiracMakesTheFirstFiltersIdentities) {
  Initialised dirac(kRelu, R"(, "init": "dirac", "init_std": 0.01)");
  const std::vector<float> w = dirac.values("conv1.weight");  // 64 x 3 x 5 x 5
  for (int o = 0; o < 3; ++o)
    for (int c = 0; c < 3; ++c)
      for (int y = 0; y < 5; ++y)
        for (int x = 0; x < 5; ++x)
          EXPECT_EQ(w[((o * 3 + c) * 5 + y) * 5 + x], o == c && y == 2 && x == 2 ? 1.f : 0.f)
              << "filter " << o << " channel " << c << " at " << y << "," << x;
  double sum2 = 0;
  for (size_t i = 3 * 75; i < w.size(); ++i) sum2 += double(w[i]) * w[i];
  EXPECT_NEAR(std::sqrt(sum2 / double(w.size() - 3 * 75)), 0.01, 4 * 0.01 / std::sqrt(2 * 61 * 75.0));
}

TEST(Initialization, BiasesStartAtZeroAndValuesDependOnlyOnTheSeed) {
  Initialised a(kRelu), b(kRelu), c(kRelu, "", "", 2);
  for (float x : a.values("conv1.bias")) EXPECT_EQ(x, 0.f);
  EXPECT_EQ(a.values("fc1.weight"), b.values("fc1.weight"));
  EXPECT_NE(a.values("fc1.weight"), c.values("fc1.weight"));
}

}  // namespace
}  // namespace relunet
