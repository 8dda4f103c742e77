#include "net/patch_whitening.hpp"

#include <cmath>
#include <stdexcept>

#include <opencv2/core.hpp>

#include "core/memory.hpp"

namespace relunet {

PatchMoments::PatchMoments(int64_t channels, int64_t kernel)
    : channels_(channels), kernel_(kernel), dim_(channels * kernel * kernel), sum_(dim_ * dim_, 0.0) {}

void PatchMoments::add(const float* images, int64_t count, int64_t height, int64_t width) {
  const int64_t k = kernel_, d = dim_, plane = height * width;
  std::vector<double> p(d);
  for (int64_t n = 0; n < count; ++n) {
    const float* image = images + n * channels_ * plane;
    for (int64_t y = 0; y + k <= height; ++y)
      for (int64_t x = 0; x + k <= width; ++x) {
        for (int64_t c = 0, i = 0; c < channels_; ++c)
          for (int64_t dy = 0; dy < k; ++dy)
            for (int64_t dx = 0; dx < k; ++dx) p[i++] = image[c * plane + (y + dy) * width + x + dx];
        for (int64_t i = 0; i < d; ++i)  // upper triangle; covariance() mirrors it
          for (int64_t j = i; j < d; ++j) sum_[i * d + j] += p[i] * p[j];
        ++patches_;
      }
  }
}

std::vector<double> PatchMoments::covariance() const {
  if (patches_ == 0) throw std::logic_error("PatchMoments: no patches added");
  std::vector<double> cov(sum_.size());
  for (int64_t i = 0; i < dim_; ++i)
    for (int64_t j = i; j < dim_; ++j)
      cov[i * dim_ + j] = cov[j * dim_ + i] = sum_[i * dim_ + j] / double(patches_);
  return cov;
}

std::vector<float> whitening_filters(const std::vector<double>& covariance, int64_t dim, float eps) {
  cv::Mat values, vectors;  // eigenvalues descending; eigenvectors as rows
  cv::eigen(cv::Mat(int(dim), int(dim), CV_64F, const_cast<double*>(covariance.data())), values, vectors);
  std::vector<float> filters(2 * dim * dim);
  for (int64_t i = 0; i < dim; ++i) {
    const double gain = 1.0 / std::sqrt(std::max(values.at<double>(int(i)), 0.0) + eps);
    for (int64_t j = 0; j < dim; ++j) {
      const float w = float(vectors.at<double>(int(i), int(j)) * gain);
      filters[i * dim + j] = w;
      filters[(dim + i) * dim + j] = -w;
    }
  }
  return filters;
}

bool has_patch_whitening(const ModelSpec& spec) {
  return spec.layers.front().kind == LayerKind::Conv && spec.layers.front().init == ConvInit::PatchWhitening;
}

void whiten_first_layer(Network& net, const PatchMoments& moments, float eps) {
  if (!has_patch_whitening(net.spec())) throw std::logic_error("whiten_first_layer: no patch-whitening layer");
  const LayerSpec& layer = net.spec().layers.front();
  if (moments.dim() != layer.in.c * layer.kernel * layer.kernel)
    throw std::logic_error("whiten_first_layer: the moments are not of the layer's patches");
  const std::vector<float> filters = whitening_filters(moments.covariance(), moments.dim(), eps);
  Param* weight = net.layer(0).params().front();
  write_plain(weight->value, filters.data(), net.context().stream);
}

}  // namespace relunet
