// patch_whitening.hpp — the weights of a patch-whitening convolution (the model file's
// "init": "patch-whitening"), computed from training images when a run starts.
//
// For k x k x C patches p at every position of the images, S = (1/n) sum p p^T (the inputs are
// already centred by the normalisation). With S's eigenvectors v_i and eigenvalues l_i, largest
// first, filter i is v_i / sqrt(l_i + eps) and filter D + i is its negative (D = C k^2): the first
// D outputs are the patches whitened (covariance V^T S V / (l + eps) = diag(l / (l + eps)), the
// identity where l >> eps), and after a ReLU the pair keeps both signs of each.
#pragma once

#include <cstdint>
#include <vector>

#include "net/network.hpp"

namespace relunet {

// airbench94's eps: it caps the gain of the near-flat directions (tiny eigenvalues) at ~45.
constexpr float kWhiteningEps = 5e-4f;
// Training images whose patches give the statistics (airbench94 uses 5,000 too).
constexpr int64_t kWhiteningImages = 5000;

// Accumulates sum p p^T over the k x k patches of C-channel planar (NCHW) images.
class PatchMoments {
 public:
  PatchMoments(int64_t channels, int64_t kernel);
  void add(const float* images, int64_t count, int64_t height, int64_t width);
  int64_t dim() const { return dim_; }  // D = channels * kernel^2, in (channel, row, column) order
  int64_t patches() const { return patches_; }
  std::vector<double> covariance() const;  // (1/n) sum p p^T, D x D row-major

 private:
  int64_t channels_, kernel_, dim_, patches_ = 0;
  std::vector<double> sum_;  // D x D
};

// The 2D filters (O x C x k x k, plain) described above, from a D x D covariance.
std::vector<float> whitening_filters(const std::vector<double>& covariance, int64_t dim, float eps);

// Whether the network's first layer is a patch-whitening convolution.
bool has_patch_whitening(const ModelSpec& spec);
// Sets its weights from patch statistics of normalised training images, gathered with the
// layer's channels and kernel.
void whiten_first_layer(Network& net, const PatchMoments& moments, float eps = kWhiteningEps);

}  // namespace relunet
