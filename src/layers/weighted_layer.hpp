// weighted_layer.hpp — what convolution and inner product share: y = f(s (W * x + b)), with f an
// optional activation fused as a oneDNN post-op and s the spec's output scale (1 but for an fc
// "scale"), a linear post-op before it. Frozen weights (the spec's "frozen") get no gradient. Subclasses supply only their primitive
// descriptors and weight shape; parameters, layouts and execution live here once.
#pragma once

#include <unordered_map>

#include "core/memory.hpp"
#include "layers/layer.hpp"

namespace relunet {

// The model file's "init_std" of conv and fc layers: >= 0 (0: the fan-based default).
void check_init_std(const LayerSpec& layer);

class WeightedLayer : public Layer {
 public:
  using Layer::Layer;
  dnnl::memory::desc setup(const dnnl::memory::desc& src, const SetupOptions& opts) final;
  void bind(const LayerBuffers& buffers) final;
  void forward(dnnl::stream& stream, const Pass& pass) final;
  void backward(dnnl::stream& stream) final;
  std::vector<Param*> params() final;
  std::string forward_implementation() const final { return pd_.forward.impl_info_str(); }

  // Applies `act` inside this layer's forward primitive (exact: the same arithmetic).
  void fuse_activation(const Activation& act) { fused_ = act; has_fused_ = true; }

 protected:
  struct Descriptors {
    dnnl::primitive_desc forward, backward_data, backward_weights;
  };
  // `src`: the incoming layout. Weights, bias and output layouts should be format_tag::any.
  // With `same_layouts`, backward descriptors reuse the forward layouts (no reorders at all);
  // without, they take format_tag::any for everything.
  virtual Descriptors make_descriptors(const dnnl::memory::desc& src, const SetupOptions& opts,
                                       const dnnl::primitive_attr& attr, bool same_layouts) const = 0;
  // Logical (plain) weight dims for input layout `src`.
  virtual dnnl::memory::dims weight_dims(const dnnl::memory::desc& src) const = 0;
  virtual int64_t fan_in() const = 0;
  virtual int64_t fan_out() const = 0;

 private:
  Activation fused_;
  bool has_fused_ = false;
  Descriptors pd_;
  Param weight_, bias_;
  // Each a no-op unless a backward primitive wants another layout than the forward chose.
  Relayout src_in_, diff_src_out_, bwd_src_in_, bwd_w_diff_dst_in_, diff_weights_out_,
      diff_bias_out_, bwd_d_diff_dst_in_, bwd_d_weights_in_;
  dnnl::primitive fwd_, bwd_data_, bwd_weights_, scale_diff_;
  std::unordered_map<int, dnnl::memory> fwd_args_, bwd_data_args_, bwd_weights_args_, scale_diff_args_;
};

}  // namespace relunet
