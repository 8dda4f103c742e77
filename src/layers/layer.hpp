// layer.hpp — the interface every layer implements.
//
// Life of a layer: the network calls setup() once with the layout of its input (the layout the
// previous primitive chose), which creates the primitive descriptors and returns the output
// layout; then bind() once the network has allocated the buffers, which creates the primitives
// and their argument lists; then forward()/backward() run those primitives with no allocation.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <oneapi/dnnl/dnnl.hpp>

#include "layers/layer_spec.hpp"
#include "optim/param.hpp"

namespace relunet {

// The buffers of one layer: `src` is the previous layer's `dst`, `diff_src` the previous layer's
// `diff_dst`. diff_src is empty for the first layer (no gradient is needed for the images) and
// both diffs are empty in an inference-only network.
struct LayerBuffers {
  dnnl::memory src, dst, diff_src, diff_dst;
};

struct SetupOptions {
  dnnl::engine engine;
  bool backward = true;       // build backward primitives (training)
  bool need_diff_src = true;  // false for the first layer

  // The kind of the forward primitives: inference ones when nothing runs backward, so that
  // max pooling and LRN write no workspace and oneDNN may pick inference-only kernels.
  // Convolutions do not use it (conv.cpp says why).
  dnnl::prop_kind forward_kind() const {
    return backward ? dnnl::prop_kind::forward_training : dnnl::prop_kind::forward_inference;
  }
};

// What one forward pass is for; made by name, so that every caller says which:
//   Pass::inference()                   running statistics, no dropout
//   Pass::training_step(step)           batch statistics, the dropout masks of `step`
//   Pass::training_step(step).of_shard(rank, ranks)   the same on one rank's part of the batch
class Pass {
 public:
  static Pass inference() { return Pass(false, 0); }
  // `step`, with the seed, determines the dropout masks.
  static Pass training_step(uint64_t step) { return Pass(true, step); }
  // Data-parallel runs: batch row n is position shard + shards * n of the global batch (as the
  // batch loader shards it). Dropout draws by that position, so the masks of an image do not
  // depend on the number of ranks.
  Pass of_shard(int shard_index, int shard_count) const {
    Pass p = *this;
    p.shard = shard_index;
    p.shards = shard_count;
    return p;
  }

  bool training;  // batch statistics for batch norm, dropout masks on
  uint64_t step;  // training step
  int shard = 0, shards = 1;

 private:
  Pass(bool training_pass, uint64_t step_number) : training(training_pass), step(step_number) {}
};

class Layer {
 public:
  explicit Layer(LayerSpec spec) : spec_(std::move(spec)) {}
  virtual ~Layer() = default;
  Layer(const Layer&) = delete;
  Layer& operator=(const Layer&) = delete;

  const LayerSpec& spec() const { return spec_; }
  const std::string& name() const { return spec_.name; }

  // Shape rule: creates primitive descriptors for input layout `src` (batch dimension included)
  // and returns the output layout.
  virtual dnnl::memory::desc setup(const dnnl::memory::desc& src, const SetupOptions& opts) = 0;
  // True when the output shares the input's memory (activations, flatten).
  virtual bool in_place() const { return false; }
  virtual void bind(const LayerBuffers& buffers) = 0;
  // `pass.training`: batch statistics for batch norm, dropout masks on.
  virtual void forward(dnnl::stream& stream, const Pass& pass) = 0;
  // Computes diff_src (when present) and the gradients of the parameters.
  virtual void backward(dnnl::stream& stream) = 0;
  virtual std::vector<Param*> params() { return {}; }
  // oneDNN's name for the implementation its forward primitive runs ("jit_wino_4x3:avx512_core"),
  // for benchmarks and tests; empty for a layer that runs no primitive of its own.
  virtual std::string forward_implementation() const { return {}; }

 protected:
  LayerSpec spec_;
};

// Builds the layer for one spec (its kind's registration makes it, layer_kind.hpp). `seed`
// drives stochastic layers.
std::unique_ptr<Layer> make_layer(const LayerSpec& spec, uint64_t seed);

}  // namespace relunet
