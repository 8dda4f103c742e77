// lrn.hpp — local response normalisation across channels, as in AlexNet:
// y[c] = x[c] / (k + alpha/size * sum_{c' within size/2 of c} x[c']^2)^beta.
// Shapes: y has x's shape and layout. The workspace from forward serves backward.
#pragma once

#include "layers/workspace_layer.hpp"

namespace relunet {

struct LayerKindInfo;
const LayerKindInfo& lrn_kind();

class LrnLayer final : public WorkspaceLayer {
 public:
  using WorkspaceLayer::WorkspaceLayer;

 protected:
  Descriptors make_descriptors(const dnnl::memory::desc& src, const SetupOptions& opts) const override;
  bool backward_reads_src() const override { return true; }
};

}  // namespace relunet
