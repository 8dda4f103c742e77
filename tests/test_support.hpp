// test_support.hpp — what the layer tests share: a small ModelSpec builder, random data, naive
// reference operations on plain arrays (computed in double), and a network with its loss on one
// fixed batch.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "core/context.hpp"
#include "layers/softmax_cross_entropy.hpp"
#include "model/model_spec.hpp"
#include "net/network.hpp"

namespace relunet::test {

// ---- Model specs -------------------------------------------------------------------------------

LayerSpec conv_layer(int64_t filters, int64_t kernel, int64_t stride = 1, int64_t pad = 0,
                     int64_t groups = 1, bool bias = true);
LayerSpec pool_layer(LayerKind kind, int64_t kernel, int64_t stride, int64_t pad);
LayerSpec fc_layer(int64_t units, bool bias = true);
LayerSpec activation_layer(ActivationFn fn, float alpha = 0.f);
LayerSpec lrn_layer(int64_t size, float alpha, float beta, float k);
LayerSpec batch_norm_layer();
LayerSpec dropout_layer(float p);
LayerSpec flatten_layer();
LayerSpec prelu_layer(float init_slope = 0.25f);

// Each activation function once, with the parameters the tests use (leaky slope 0.1, ELU 1).
std::vector<Activation> every_activation();

// A model of `layers` on `input`, named and with shapes inferred; the last layer is the fc
// producing the class scores.
ModelSpec make_model(Shape input, std::vector<LayerSpec> layers);

// ---- Random data -------------------------------------------------------------------------------

std::vector<float> uniform_values(size_t count, uint64_t seed, float lo, float hi);
std::vector<int32_t> random_labels(size_t count, int64_t classes, uint64_t seed);
// Gives every parameter random values: weights uniform with variance 1/fan_in, biases and shifts
// in +-0.1, batch-norm scales and running variances in [0.5, 1.5], running means in +-0.1, PReLU
// slopes within 0.3 of their initial value (some negative at the default 0.25).
void randomize_params(Network& net, uint64_t seed);
// The plain (row-major, logical) values of a parameter, and writing them back.
std::vector<float> plain_values(const dnnl::memory& mem, Context& ctx);
void set_plain_values(const dnnl::memory& mem, const std::vector<float>& values, Context& ctx);

// ---- Naive references on plain arrays ----------------------------------------------------------

// A plain N x C x H x W array (H = W = 1 for flat data).
struct Tensor {
  int64_t n = 0, c = 0, h = 1, w = 1;
  std::vector<double> data;

  Tensor() = default;
  Tensor(int64_t n, int64_t c, int64_t h, int64_t w);
  // The plain contents of `mem` (2-D or 4-D), in whatever layout it is stored.
  static Tensor of(const dnnl::memory& mem, Context& ctx);
  static Tensor of(const std::vector<float>& values, int64_t n, int64_t c, int64_t h, int64_t w);
  double& at(int64_t in, int64_t ic, int64_t ih, int64_t iw) { return data[index(in, ic, ih, iw)]; }
  double at(int64_t in, int64_t ic, int64_t ih, int64_t iw) const {
    return data[index(in, ic, ih, iw)];
  }
  size_t index(int64_t in, int64_t ic, int64_t ih, int64_t iw) const {
    return static_cast<size_t>(((in * c + ic) * h + ih) * w + iw);
  }
};

// `weight`: plain (G x) O/G x C/G x K x K; `bias` empty when the layer has none.
Tensor ref_conv(const Tensor& x, const std::vector<float>& weight, const std::vector<float>& bias,
                const LayerSpec& spec);
// Max, or average over the in-image part of each window (padding excluded).
Tensor ref_pool(const Tensor& x, const LayerSpec& spec);
// x flattened per image in C, H, W order; `weight` plain O x (C*H*W).
Tensor ref_inner_product(const Tensor& x, const std::vector<float>& weight,
                         const std::vector<float>& bias);
double ref_activation(double x, const Activation& act);
Tensor ref_activation(const Tensor& x, const Activation& act);
// x where x > 0, else the slope times x: one slope per channel (slope.size() == C) or, after a
// flatten, per element of an image (C*H*W, in C, H, W order).
Tensor ref_prelu(const Tensor& x, const std::vector<float>& slope);
Tensor ref_lrn(const Tensor& x, const LayerSpec& spec);
Tensor ref_batch_norm(const Tensor& x, const std::vector<double>& mean,
                      const std::vector<double>& var, const std::vector<float>& scale,
                      const std::vector<float>& shift, double eps);
// Per-channel mean and biased variance over N, H, W.
void ref_batch_statistics(const Tensor& x, std::vector<double>& mean, std::vector<double>& var);
// Summed cross-entropy of the first `count` rows: -sum_n sum_k t[n,k] log softmax(z[n])_k with
// t = (1 - eps) onehot + eps / K, via a shifted log-sum-exp.
double ref_cross_entropy_sum(const Tensor& logits, const std::vector<int32_t>& labels,
                             int64_t count, double smoothing);

// Passes when every element satisfies |actual - expected| <= rtol * (|expected| + rms(expected)):
// relative, with a floor at the tensor's own scale for values that cancel to near zero.
::testing::AssertionResult all_near(const Tensor& actual, const Tensor& expected, double rtol);

// ---- A network and its loss on one batch -------------------------------------------------------

// Sets the OpenMP thread count for a scope and restores it after. The tiny networks of the
// gradient checks gain nothing from threads, and on a busy machine every parallel region can
// wait a scheduler time slice for its second thread (measured: 0.3 s on one thread, 15-30 s on
// two while other builds ran).
class ScopedThreads {
 public:
  explicit ScopedThreads(int threads) : previous_(max_threads()) { set_threads(threads); }
  ~ScopedThreads() { set_threads(previous_); }
  ScopedThreads(const ScopedThreads&) = delete;
  ScopedThreads& operator=(const ScopedThreads&) = delete;

 private:
  int previous_;
};

// A training network with random parameters, a fixed random batch and labels, and the softmax
// cross-entropy loss: the function the gradient checks differentiate.
class BatchLoss {
 public:
  BatchLoss(const ModelSpec& spec, int64_t batch, float label_smoothing, uint64_t seed,
            Pass pass = Pass::training_step(7));
  Network& net() { return net_; }
  Context& context() { return ctx_; }
  // Forward on the fixed batch: the mean loss over the batch.
  double loss();
  // loss() followed by backward: every trainable Param::grad holds d loss / d value.
  double loss_and_gradients();

 private:
  ScopedThreads one_thread_{1};  // for the object's whole life: its forwards are many and tiny
  Context ctx_;
  Network net_;
  SoftmaxCrossEntropy cross_entropy_;
  std::vector<float> images_;
  std::vector<int32_t> labels_;
  Pass pass_;
};

}  // namespace relunet::test
