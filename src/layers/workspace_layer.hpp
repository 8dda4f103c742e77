// workspace_layer.hpp — what pooling and LRN share: one forward and one backward primitive on
// the input's own layout, the forward's workspace (max-pooling argmax, LRN norms) handed to the
// backward pass. Subclasses supply only their primitive descriptors.
#pragma once

#include <unordered_map>

#include "layers/layer.hpp"

namespace relunet {

class WorkspaceLayer : public Layer {
 public:
  using Layer::Layer;
  dnnl::memory::desc setup(const dnnl::memory::desc& src, const SetupOptions& opts) final;
  void bind(const LayerBuffers& buffers) final;
  void forward(dnnl::stream& stream, const Pass& pass) final;
  void backward(dnnl::stream& stream) final;
  std::string forward_implementation() const final { return pd_.forward.impl_info_str(); }

 protected:
  struct Descriptors {
    dnnl::primitive_desc forward, backward;  // backward empty without opts.backward
  };
  virtual Descriptors make_descriptors(const dnnl::memory::desc& src, const SetupOptions& opts) const = 0;
  // Whether the backward primitive reads the forward input (LRN does, pooling does not).
  virtual bool backward_reads_src() const = 0;

 private:
  Descriptors pd_;
  dnnl::primitive fwd_, bwd_;
  dnnl::memory workspace_;
  std::unordered_map<int, dnnl::memory> fwd_args_, bwd_args_;
};

}  // namespace relunet
