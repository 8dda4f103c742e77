// layer_spec.hpp — one layer's hyper-parameters as a model file states them, and the logical
// shapes its kind's shape rule derives. Plain values: no oneDNN, no JSON. Each kind's file
// (conv.cpp, pool.cpp, ...) reads, writes and checks the fields it uses.
#pragma once

#include <cstdint>
#include <string>

#include "core/activation_fn.hpp"

namespace relunet {

enum class LayerKind { Conv, MaxPool, AvgPool, FullyConnected, Activation, LRN, BatchNorm, Dropout, Flatten, PReLU };

// How a conv layer's weights start (the model file's "init"): the fan-based random default;
// "dirac", the random default with the first min(filters, inputs) filters replaced by the
// identity (a 1 at the kernel centre of their own channel); "patch-whitening", computed from
// training images when a run starts (net/patch_whitening.hpp).
enum class ConvInit { Random, Dirac, PatchWhitening };

std::string to_string(LayerKind kind);          // the model-file "type" spelling
std::string to_string(ConvInit init);           // the model-file "init" spelling

// Logical activation shape of one image: channels x height x width (height = width = 1 after
// a fully connected layer or flatten).
struct Shape {
  int64_t c = 0, h = 0, w = 0;
  int64_t size() const { return c * h * w; }
  bool operator==(const Shape& o) const { return c == o.c && h == o.h && w == o.w; }
};

struct LayerSpec {
  LayerKind kind = LayerKind::Conv;
  std::string name;        // unique in the model; defaults like "conv2", "pool1", "conv2.relu"
  std::string unit_layer;  // activations: the conv/fc layer whose units they rectify ("conv2")
  // conv: filters; fc: output units
  int64_t outputs = 0;
  // conv and pooling geometry (square kernels)
  int64_t kernel = 0, stride = 1, pad = 0, groups = 1;
  bool bias = true;  // conv, fc
  // conv, fc: weights drawn from N(0, init_std^2), as in cuda-convnet's initW; 0 means the
  // fan-based default (He before ReLU-like activations, Xavier otherwise).
  float init_std = 0.f;
  ConvInit init = ConvInit::Random;  // conv
  bool frozen = false;  // conv: the weights never change in training (the bias still trains)
  float output_scale = 1.f;  // fc: y = scale * (W x + b), fused into the primitive
  Activation act;    // activations
  // LRN across channels, as in AlexNet: b = a / (k + alpha/size * sum a^2)^beta
  int64_t lrn_size = 5;
  float lrn_alpha = 1e-4f, lrn_beta = 0.75f, lrn_k = 2.f;
  float dropout = 0.5f;  // probability of dropping a unit
  float bn_eps = 1e-5f;
  float bn_momentum = 0.1f;  // running = (1 - m) running + m batch (PyTorch's convention)
  bool bn_scale = true;      // a learnable scale; without it the scale is fixed at 1
  float prelu_init = 0.25f;  // prelu: every slope's initial value (He et al. 2015's 0.25)
  Shape in, out;         // filled in by infer_shapes()
  int64_t macs = 0;      // multiply-adds per image, forward (filled by infer_shapes)
  int64_t param_count = 0;
};

}  // namespace relunet
