// lrn.cpp — everything about the local response normalisation kind: model-file fields, shape
// rule, oneDNN descriptors (execution is WorkspaceLayer's), ONNX node.
#include "layers/lrn.hpp"

#include "io/json_fields.hpp"
#include "layers/layer_kind.hpp"
#include "layers/shape_rules.hpp"

namespace relunet {
namespace {

void read_lrn(LayerSpec& layer, FieldReader& fields) {
  const LayerSpec defaults;
  layer.lrn_size = fields.integer("size", defaults.lrn_size);
  layer.lrn_alpha = fields.number("alpha", defaults.lrn_alpha);
  layer.lrn_beta = fields.number("beta", defaults.lrn_beta);
  layer.lrn_k = fields.number("k", defaults.lrn_k);
}

void write_lrn(const LayerSpec& layer, nlohmann::ordered_json& j) {
  j["size"] = layer.lrn_size;
  j["alpha"] = json_number(layer.lrn_alpha);
  j["beta"] = json_number(layer.lrn_beta);
  j["k"] = json_number(layer.lrn_k);
}

// Shapes: y has x's shape.
void fit_lrn(LayerSpec& layer, bool) {
  check_positive(layer.lrn_size, "size");
  if (layer.lrn_size % 2 == 0)
    fail_field("size", "must be odd, so the window centres on a channel (got " + std::to_string(layer.lrn_size) + ")");
  check_float(layer.lrn_alpha, layer.lrn_alpha > 0.f, "alpha", "a positive number");
  check_float(layer.lrn_beta, layer.lrn_beta > 0.f, "beta", "a positive number");
  check_float(layer.lrn_k, layer.lrn_k > 0.f, "k", "a positive number");
}

void lrn_to_onnx(OnnxGraph& g, const LayerSpec& layer) {
  g.node("LRN", layer.name, {},
         {{"size", layer.lrn_size},
          {"alpha", layer.lrn_alpha},  // both divide alpha by the size
          {"beta", layer.lrn_beta},
          {"bias", layer.lrn_k}});
}

}  // namespace

const LayerKindInfo& lrn_kind() {
  static const LayerKindInfo kind(LayerKind::LRN, "lrn", "lrn", read_lrn, write_lrn, fit_lrn, make_layer_of<LrnLayer>,
                                  lrn_to_onnx);
  return kind;
}

WorkspaceLayer::Descriptors LrnLayer::make_descriptors(const dnnl::memory::desc& src,
                                                       const SetupOptions& opts) const {
  const auto alg = dnnl::algorithm::lrn_across_channels;
  // oneDNN's alpha is already divided by the window size, as in Caffe and AlexNet's paper.
  Descriptors d;
  const dnnl::lrn_forward::primitive_desc fwd(
      {opts.forward_kind(), alg, src, spec_.lrn_size, spec_.lrn_alpha, spec_.lrn_beta,
       spec_.lrn_k},
      opts.engine);
  d.forward = fwd;
  if (opts.backward)
    d.backward = dnnl::lrn_backward::primitive_desc(
        {alg, src, src, spec_.lrn_size, spec_.lrn_alpha, spec_.lrn_beta, spec_.lrn_k}, opts.engine, fwd);
  return d;
}

}  // namespace relunet
