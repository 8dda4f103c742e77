#include "test_support.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <sstream>

#include "core/memory.hpp"

namespace relunet::test {

// ---- Model specs -------------------------------------------------------------------------------

LayerSpec conv_layer(int64_t filters, int64_t kernel, int64_t stride, int64_t pad, int64_t groups,
                     bool bias) {
  LayerSpec s;
  s.kind = LayerKind::Conv;
  s.outputs = filters;
  s.kernel = kernel;
  s.stride = stride;
  s.pad = pad;
  s.groups = groups;
  s.bias = bias;
  return s;
}

LayerSpec pool_layer(LayerKind kind, int64_t kernel, int64_t stride, int64_t pad) {
  LayerSpec s;
  s.kind = kind;
  s.kernel = kernel;
  s.stride = stride;
  s.pad = pad;
  return s;
}

LayerSpec fc_layer(int64_t units, bool bias) {
  LayerSpec s;
  s.kind = LayerKind::FullyConnected;
  s.outputs = units;
  s.bias = bias;
  return s;
}

LayerSpec activation_layer(ActivationFn fn, float alpha) {
  LayerSpec s;
  s.kind = LayerKind::Activation;
  s.act = Activation{fn, alpha};
  return s;
}

LayerSpec lrn_layer(int64_t size, float alpha, float beta, float k) {
  LayerSpec s;
  s.kind = LayerKind::LRN;
  s.lrn_size = size;
  s.lrn_alpha = alpha;
  s.lrn_beta = beta;
  s.lrn_k = k;
  return s;
}

LayerSpec batch_norm_layer() {
  LayerSpec s;
  s.kind = LayerKind::BatchNorm;
  return s;
}

LayerSpec dropout_layer(float p) {
  LayerSpec s;
  s.kind = LayerKind::Dropout;
  s.dropout = p;
  return s;
}

LayerSpec flatten_layer() {
  LayerSpec s;
  s.kind = LayerKind::Flatten;
  return s;
}

LayerSpec prelu_layer(float init_slope) {
  LayerSpec s;
  s.kind = LayerKind::PReLU;
  s.prelu_init = init_slope;
  return s;
}

std::vector<Activation> every_activation() {
  return {{ActivationFn::ReLU, 0.f},
          {ActivationFn::LeakyReLU, 0.1f},
          {ActivationFn::Tanh, 0.f},
          {ActivationFn::Sigmoid, 0.f},
          {ActivationFn::ELU, 1.f}};
}

ModelSpec make_model(Shape input, std::vector<LayerSpec> layers) {
  ModelSpec spec;
  spec.name = "test";
  spec.input = input;
  spec.classes = layers.back().outputs;
  for (size_t i = 0; i < layers.size(); ++i) layers[i].name = "layer" + std::to_string(i);
  spec.layers = std::move(layers);
  infer_shapes(spec);
  return spec;
}

// ---- Random data -------------------------------------------------------------------------------

std::vector<float> uniform_values(size_t count, uint64_t seed, float lo, float hi) {
  std::mt19937_64 gen(seed);
  std::uniform_real_distribution<float> dist(lo, hi);
  std::vector<float> v(count);
  for (float& x : v) x = dist(gen);
  return v;
}

std::vector<int32_t> random_labels(size_t count, int64_t classes, uint64_t seed) {
  std::mt19937_64 gen(seed);
  std::uniform_int_distribution<int32_t> dist(0, static_cast<int32_t>(classes - 1));
  std::vector<int32_t> v(count);
  for (int32_t& x : v) x = dist(gen);
  return v;
}

namespace {
size_t count_of(const dnnl::memory::dims& dims) {
  size_t n = 1;
  for (auto d : dims) n *= static_cast<size_t>(d);
  return n;
}
}  // namespace

void randomize_params(Network& net, uint64_t seed) {
  for (Param* p : net.params()) {
    const size_t n = count_of(p->dims);
    ++seed;
    std::vector<float> values;
    switch (p->init) {
      case Param::Init::Weights: {
        const float limit = std::sqrt(3.f / static_cast<float>(p->fan_in));
        values = uniform_values(n, seed, -limit, limit);
        break;
      }
      case Param::Init::Ones:
        values = uniform_values(n, seed, 0.5f, 1.5f);
        break;
      case Param::Init::Zeros:
        values = uniform_values(n, seed, -0.1f, 0.1f);
        break;
      case Param::Init::Constant:
        values = uniform_values(n, seed, p->constant - 0.3f, p->constant + 0.3f);
        break;
    }
    set_plain_values(p->value, values, net.context());
  }
}

std::vector<float> plain_values(const dnnl::memory& mem, Context& ctx) {
  return read_plain(mem, ctx.stream);
}

void set_plain_values(const dnnl::memory& mem, const std::vector<float>& values, Context& ctx) {
  if (values.size() != count_of(mem.get_desc().dims()))
    throw std::logic_error("set_plain_values: wrong number of values");
  write_plain(mem, values.data(), ctx.stream);
}

// ---- Naive references --------------------------------------------------------------------------

Tensor::Tensor(int64_t n_, int64_t c_, int64_t h_, int64_t w_)
    : n(n_), c(c_), h(h_), w(w_), data(static_cast<size_t>(n_ * c_ * h_ * w_), 0.0) {}

Tensor Tensor::of(const std::vector<float>& values, int64_t n, int64_t c, int64_t h, int64_t w) {
  Tensor t(n, c, h, w);
  if (values.size() != t.data.size()) throw std::logic_error("Tensor::of: wrong number of values");
  std::copy(values.begin(), values.end(), t.data.begin());
  return t;
}

Tensor Tensor::of(const dnnl::memory& mem, Context& ctx) {
  const auto dims = mem.get_desc().dims();
  const auto values = read_plain(mem, ctx.stream);
  if (dims.size() == 2) return of(values, dims[0], dims[1], 1, 1);
  if (dims.size() == 4) return of(values, dims[0], dims[1], dims[2], dims[3]);
  throw std::logic_error("Tensor::of: expected a 2-D or 4-D memory");
}

Tensor ref_conv(const Tensor& x, const std::vector<float>& weight, const std::vector<float>& bias,
                const LayerSpec& spec) {
  const int64_t k = spec.kernel, s = spec.stride, pad = spec.pad;
  const int64_t out_h = (x.h + 2 * pad - k) / s + 1, out_w = (x.w + 2 * pad - k) / s + 1;
  const int64_t in_per_group = x.c / spec.groups, out_per_group = spec.outputs / spec.groups;
  Tensor y(x.n, spec.outputs, out_h, out_w);
  for (int64_t n = 0; n < x.n; ++n)
    for (int64_t o = 0; o < spec.outputs; ++o) {
      const int64_t first_in = o / out_per_group * in_per_group;
      for (int64_t oh = 0; oh < out_h; ++oh)
        for (int64_t ow = 0; ow < out_w; ++ow) {
          double sum = bias.empty() ? 0.0 : bias[o];
          for (int64_t i = 0; i < in_per_group; ++i)
            for (int64_t kh = 0; kh < k; ++kh)
              for (int64_t kw = 0; kw < k; ++kw) {
                const int64_t ih = oh * s - pad + kh, iw = ow * s - pad + kw;
                if (ih < 0 || ih >= x.h || iw < 0 || iw >= x.w) continue;
                sum += x.at(n, first_in + i, ih, iw) *
                       weight[((o * in_per_group + i) * k + kh) * k + kw];
              }
          y.at(n, o, oh, ow) = sum;
        }
    }
  return y;
}

Tensor ref_pool(const Tensor& x, const LayerSpec& spec) {
  const int64_t k = spec.kernel, s = spec.stride, pad = spec.pad;
  const int64_t out_h = (x.h + 2 * pad - k) / s + 1, out_w = (x.w + 2 * pad - k) / s + 1;
  const bool max = spec.kind == LayerKind::MaxPool;
  Tensor y(x.n, x.c, out_h, out_w);
  for (int64_t n = 0; n < x.n; ++n)
    for (int64_t c = 0; c < x.c; ++c)
      for (int64_t oh = 0; oh < out_h; ++oh)
        for (int64_t ow = 0; ow < out_w; ++ow) {
          double acc = max ? -std::numeric_limits<double>::infinity() : 0.0;
          int64_t count = 0;
          for (int64_t ih = oh * s - pad; ih < oh * s - pad + k; ++ih)
            for (int64_t iw = ow * s - pad; iw < ow * s - pad + k; ++iw) {
              if (ih < 0 || ih >= x.h || iw < 0 || iw >= x.w) continue;
              const double v = x.at(n, c, ih, iw);
              acc = max ? std::max(acc, v) : acc + v;
              ++count;
            }
          y.at(n, c, oh, ow) = max ? acc : acc / static_cast<double>(count);
        }
  return y;
}

Tensor ref_inner_product(const Tensor& x, const std::vector<float>& weight,
                         const std::vector<float>& bias) {
  const int64_t inputs = x.c * x.h * x.w;
  const int64_t outputs = static_cast<int64_t>(weight.size()) / inputs;
  Tensor y(x.n, outputs, 1, 1);
  for (int64_t n = 0; n < x.n; ++n)
    for (int64_t o = 0; o < outputs; ++o) {
      double sum = bias.empty() ? 0.0 : bias[o];
      for (int64_t i = 0; i < inputs; ++i) sum += weight[o * inputs + i] * x.data[n * inputs + i];
      y.at(n, o, 0, 0) = sum;
    }
  return y;
}

double ref_activation(double x, const Activation& act) {
  switch (act.fn) {
    case ActivationFn::ReLU:
      return x > 0 ? x : 0.0;
    case ActivationFn::LeakyReLU:
      return x > 0 ? x : act.alpha * x;
    case ActivationFn::Tanh:
      return std::tanh(x);
    case ActivationFn::Sigmoid:
      return 1.0 / (1.0 + std::exp(-x));
    case ActivationFn::ELU:
      return x > 0 ? x : act.alpha * (std::exp(x) - 1.0);
  }
  throw std::logic_error("ref_activation: unknown function");
}

Tensor ref_activation(const Tensor& x, const Activation& act) {
  Tensor y = x;
  for (double& v : y.data) v = ref_activation(v, act);
  return y;
}

Tensor ref_prelu(const Tensor& x, const std::vector<float>& slope) {
  const bool per_element = static_cast<int64_t>(slope.size()) != x.c;
  Tensor y = x;
  for (int64_t n = 0; n < x.n; ++n)
    for (int64_t c = 0; c < x.c; ++c)
      for (int64_t i = 0; i < x.h * x.w; ++i) {
        const size_t at = x.index(n, c, 0, 0) + i;
        const double a = slope.at(per_element ? size_t(c * x.h * x.w + i) : size_t(c));
        y.data[at] = x.data[at] > 0 ? x.data[at] : a * x.data[at];
      }
  return y;
}

Tensor ref_lrn(const Tensor& x, const LayerSpec& spec) {
  const int64_t half = spec.lrn_size / 2;
  Tensor y(x.n, x.c, x.h, x.w);
  for (int64_t n = 0; n < x.n; ++n)
    for (int64_t c = 0; c < x.c; ++c)
      for (int64_t ih = 0; ih < x.h; ++ih)
        for (int64_t iw = 0; iw < x.w; ++iw) {
          double squares = 0.0;
          for (int64_t j = std::max<int64_t>(0, c - half); j <= std::min(x.c - 1, c + half); ++j)
            squares += x.at(n, j, ih, iw) * x.at(n, j, ih, iw);
          const double base = spec.lrn_k + spec.lrn_alpha / spec.lrn_size * squares;
          y.at(n, c, ih, iw) = x.at(n, c, ih, iw) / std::pow(base, spec.lrn_beta);
        }
  return y;
}

void ref_batch_statistics(const Tensor& x, std::vector<double>& mean, std::vector<double>& var) {
  const double count = static_cast<double>(x.n * x.h * x.w);
  mean.assign(x.c, 0.0);
  var.assign(x.c, 0.0);
  for (int64_t c = 0; c < x.c; ++c) {
    for (int64_t n = 0; n < x.n; ++n)
      for (int64_t i = 0; i < x.h * x.w; ++i) mean[c] += x.data[x.index(n, c, 0, 0) + i];
    mean[c] /= count;
    for (int64_t n = 0; n < x.n; ++n)
      for (int64_t i = 0; i < x.h * x.w; ++i) {
        const double d = x.data[x.index(n, c, 0, 0) + i] - mean[c];
        var[c] += d * d;
      }
    var[c] /= count;
  }
}

Tensor ref_batch_norm(const Tensor& x, const std::vector<double>& mean,
                      const std::vector<double>& var, const std::vector<float>& scale,
                      const std::vector<float>& shift, double eps) {
  Tensor y(x.n, x.c, x.h, x.w);
  for (int64_t n = 0; n < x.n; ++n)
    for (int64_t c = 0; c < x.c; ++c) {
      const double inv_std = 1.0 / std::sqrt(var[c] + eps);
      for (int64_t i = 0; i < x.h * x.w; ++i) {
        const size_t at = x.index(n, c, 0, 0) + i;
        y.data[at] = scale[c] * (x.data[at] - mean[c]) * inv_std + shift[c];
      }
    }
  return y;
}

double ref_cross_entropy_sum(const Tensor& logits, const std::vector<int32_t>& labels,
                             int64_t count, double smoothing) {
  const int64_t classes = logits.c;
  double total = 0.0;
  for (int64_t n = 0; n < count; ++n) {
    double top = -std::numeric_limits<double>::infinity();
    for (int64_t k = 0; k < classes; ++k) top = std::max(top, logits.at(n, k, 0, 0));
    double sum_exp = 0.0;
    for (int64_t k = 0; k < classes; ++k) sum_exp += std::exp(logits.at(n, k, 0, 0) - top);
    const double log_sum_exp = top + std::log(sum_exp);
    for (int64_t k = 0; k < classes; ++k) {
      const double target = (k == labels[n] ? 1.0 - smoothing : 0.0) + smoothing / classes;
      total -= target * (logits.at(n, k, 0, 0) - log_sum_exp);
    }
  }
  return total;
}

::testing::AssertionResult all_near(const Tensor& actual, const Tensor& expected, double rtol) {
  if (actual.n != expected.n || actual.c != expected.c || actual.h != expected.h ||
      actual.w != expected.w)
    return ::testing::AssertionFailure()
           << "shape " << actual.n << "x" << actual.c << "x" << actual.h << "x" << actual.w
           << " differs from the reference's " << expected.n << "x" << expected.c << "x"
           << expected.h << "x" << expected.w;
  double squares = 0.0;
  for (double v : expected.data) squares += v * v;
  const double rms =
      std::sqrt(squares / static_cast<double>(std::max<size_t>(1, expected.data.size())));
  size_t bad = 0;
  std::ostringstream first;
  for (int64_t n = 0; n < actual.n; ++n)
    for (int64_t c = 0; c < actual.c; ++c)
      for (int64_t h = 0; h < actual.h; ++h)
        for (int64_t w = 0; w < actual.w; ++w) {
          const double a = actual.at(n, c, h, w), e = expected.at(n, c, h, w);
          if (std::fabs(a - e) <= rtol * (std::fabs(e) + rms)) continue;
          if (bad++ < 5)
            first << "\n  at [" << n << "," << c << "," << h << "," << w << "]: " << a
                  << " vs reference " << e;
        }
  if (bad == 0) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure()
         << bad << " of " << actual.data.size() << " values differ from the reference (rtol "
         << rtol << ", reference rms " << rms << ")" << first.str();
}

// ---- BatchLoss ---------------------------------------------------------------------------------

BatchLoss::BatchLoss(const ModelSpec& spec, int64_t batch, float label_smoothing, uint64_t seed,
                     Pass pass)
    : net_(spec, batch, NetworkPurpose::Training, seed, ctx_),
      cross_entropy_(net_.logits(), net_.logits_grad(), label_smoothing),
      images_(
          uniform_values(static_cast<size_t>(batch * spec.input.size()), seed + 100, -1.f, 1.f)),
      labels_(random_labels(static_cast<size_t>(batch), spec.classes, seed + 200)),
      pass_(pass) {
  randomize_params(net_, seed + 300);
}

double BatchLoss::loss() {
  // The images are rewritten every time: an in-place first layer would overwrite them.
  std::copy(images_.begin(), images_.end(), net_.input());
  net_.forward(pass_);
  const auto batch = static_cast<int64_t>(labels_.size());
  return cross_entropy_.forward(ctx_.stream, labels_.data(), batch).loss_sum /
         static_cast<double>(batch);
}

double BatchLoss::loss_and_gradients() {
  const double value = loss();
  cross_entropy_.backward();
  net_.backward();
  return value;
}

}  // namespace relunet::test
