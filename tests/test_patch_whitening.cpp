// The patch-whitening convolution: the patches of training-like images, passed through the layer
// whose weights whiten_first_layer computed from them, come out with identity covariance (exactly
// with eps = 0; shrunk by l / (l + eps) along each eigenvector otherwise), and the second half of
// the filters is the negative of the first.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "net/patch_whitening.hpp"
#include "test_support.hpp"

namespace relunet::test {
namespace {

constexpr int64_t kImages = 64, kSide = 12, kKernel = 2, kDim = 3 * kKernel * kKernel;

// Images with correlated neighbours and channels, as natural images have: a random field,
// blurred, with the channels mixed, times `gain`.
std::vector<float> correlated_images(float gain) {
  const int64_t plane = kSide * kSide;
  const std::vector<float> noise = uniform_values(size_t(kImages * 3 * plane), 5, -1.f, 1.f);
  std::vector<float> images(noise.size());
  for (int64_t n = 0; n < kImages; ++n)
    for (int64_t y = 0; y < kSide; ++y)
      for (int64_t x = 0; x < kSide; ++x) {
        float blurred[3];
        for (int64_t c = 0; c < 3; ++c) {
          const float* p = noise.data() + (n * 3 + c) * plane;
          blurred[c] = p[y * kSide + x] + 0.7f * p[y * kSide + (x + 1) % kSide] + 0.5f * p[((y + 1) % kSide) * kSide + x];
        }
        const float mixed[3] = {blurred[0], 0.8f * blurred[0] + 0.3f * blurred[1],
                                0.5f * blurred[1] + 0.2f * blurred[2] + 0.4f * blurred[0]};
        for (int64_t c = 0; c < 3; ++c) images[((n * 3 + c) * kSide + y) * kSide + x] = gain * mixed[c];
      }
  return images;
}

// The covariance (1/n sum o o^T over images and positions) of the layer's first kDim outputs, and
// checks that outputs kDim..2 kDim-1 are their negatives.
std::vector<double> whitened_covariance(const std::vector<float>& images, float eps) {
  LayerSpec whiten = conv_layer(2 * kDim, kKernel, 1, 0, 1, false);
  whiten.init = ConvInit::PatchWhitening;
  whiten.frozen = true;
  Context ctx;
  Network net(make_model({3, kSide, kSide}, {whiten, fc_layer(5)}), kImages, NetworkPurpose::Inference, 1, ctx);
  PatchMoments moments(3, kKernel);
  moments.add(images.data(), kImages, kSide, kSide);
  EXPECT_EQ(moments.patches(), kImages * (kSide - 1) * (kSide - 1));
  whiten_first_layer(net, moments, eps);

  std::copy(images.begin(), images.end(), net.input());
  net.forward(Pass::inference());
  const Tensor out = Tensor::of(net.output_of(0), ctx);
  std::vector<double> cov(kDim * kDim, 0.0);
  double max_pair_error = 0;
  for (int64_t n = 0; n < out.n; ++n)
    for (int64_t y = 0; y < out.h; ++y)
      for (int64_t x = 0; x < out.w; ++x)
        for (int64_t i = 0; i < kDim; ++i) {
          max_pair_error = std::max(max_pair_error, std::fabs(out.at(n, i, y, x) + out.at(n, kDim + i, y, x)));
          for (int64_t j = 0; j < kDim; ++j) cov[i * kDim + j] += out.at(n, i, y, x) * out.at(n, j, y, x);
        }
  EXPECT_LT(max_pair_error, 1e-5) << "filter i + D is not the negative of filter i";
  for (double& v : cov) v /= double(out.n * out.h * out.w);
  return cov;
}

TEST(PatchWhitening, WhitenedPatchesHaveIdentityCovariance) {
  const std::vector<double> cov = whitened_covariance(correlated_images(1.f), 0.f);
  for (int64_t i = 0; i < kDim; ++i)
    for (int64_t j = 0; j < kDim; ++j)
      EXPECT_NEAR(cov[i * kDim + j], i == j ? 1.0 : 0.0, 1e-3) << "entry " << i << "," << j;
}

// Where the eigenvalues are comparable to eps (faint images) the covariance stays diagonal but each
// direction is shrunk by l / (l + eps) < 1, less for the larger eigenvalues, which come first.
TEST(PatchWhitening, EpsShrinksTheSmallDirections) {
  const std::vector<double> cov = whitened_covariance(correlated_images(0.02f), kWhiteningEps);
  for (int64_t i = 0; i < kDim; ++i) {
    for (int64_t j = 0; j < kDim; ++j) {
      if (i == j) continue;
      EXPECT_NEAR(cov[i * kDim + j], 0.0, 1e-3) << "entry " << i << "," << j;
    }
    EXPECT_LT(cov[i * kDim + i], 1.0);
    EXPECT_GT(cov[i * kDim + i], 0.0);
    if (i == 0) continue;
    EXPECT_LE(cov[i * kDim + i], cov[(i - 1) * kDim + i - 1] + 1e-6);
  }
  EXPECT_LT(cov[kDim * kDim - 1], 0.9 * cov[0]) << "eps should shrink the smallest direction most";
}

TEST(PatchWhitening, NeedsTheLayerAndItsPatches) {
  Context ctx;
  Network plain(make_model({3, kSide, kSide}, {conv_layer(24, 2), fc_layer(5)}), 1, NetworkPurpose::Inference, 1, ctx);
  EXPECT_THROW(whiten_first_layer(plain, PatchMoments(3, 2)), std::logic_error);
  LayerSpec whiten = conv_layer(24, 2);
  whiten.init = ConvInit::PatchWhitening;
  Network net(make_model({3, kSide, kSide}, {whiten, fc_layer(5)}), 1, NetworkPurpose::Inference, 1, ctx);
  EXPECT_THROW(whiten_first_layer(net, PatchMoments(3, 3)), std::logic_error);  // 3x3 patches
  EXPECT_THROW(PatchMoments(3, 2).covariance(), std::logic_error);              // no patches
}

}  // namespace
}  // namespace relunet::test
