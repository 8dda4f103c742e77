// pool.hpp — max or average pooling over K x K windows (overlapping when stride < K), with
// padding. Shapes: x N x C x H x W -> y N x C x OH x OW, OH = (H + 2 pad - K) / stride + 1.
// Average pooling divides by the window's in-image size (padding excluded). Max pooling keeps
// the argmax in a workspace from forward for backward.
#pragma once

#include "layers/workspace_layer.hpp"

namespace relunet {

struct LayerKindInfo;
const LayerKindInfo& max_pool_kind();
const LayerKindInfo& avg_pool_kind();

class PoolLayer final : public WorkspaceLayer {
 public:
  using WorkspaceLayer::WorkspaceLayer;

 protected:
  Descriptors make_descriptors(const dnnl::memory::desc& src, const SetupOptions& opts) const override;
  bool backward_reads_src() const override { return false; }
};

}  // namespace relunet
