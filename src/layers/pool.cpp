// pool.cpp — everything about the max and average pooling kinds: model-file fields, shape rule,
// oneDNN descriptors (execution is WorkspaceLayer's), ONNX node.
#include "layers/pool.hpp"

#include "core/memory.hpp"
#include "io/json_fields.hpp"
#include "layers/layer_kind.hpp"
#include "layers/shape_rules.hpp"
#include "layers/window.hpp"

namespace relunet {
namespace {

void read_pool(LayerSpec& layer, FieldReader& fields) { read_window(layer, fields, 0); }  // stride = kernel

// Shapes: x C x H x W -> y C x OH x OW.
void fit_pool(LayerSpec& layer, bool) {
  layer.out = window_output(layer, layer.in, layer.in.c);
  if (layer.pad >= layer.kernel)  // a window could then see padding only
    fail_field("pad", std::to_string(layer.pad) + " must be smaller than the kernel " + std::to_string(layer.kernel));
}

void pool_to_onnx(OnnxGraph& g, const LayerSpec& layer) {
  const bool max = layer.kind == LayerKind::MaxPool;
  std::vector<OnnxAttribute> attributes = onnx_window(layer);
  if (!max) attributes.push_back({"count_include_pad", int64_t{0}});  // relunet averages over the in-image pixels
  g.node(max ? "MaxPool" : "AveragePool", layer.name, {}, attributes);
}

// Max and average pooling number as one family ("pool1", "pool2", ...).
LayerKindInfo pool_kind(LayerKind kind, const char* name) {
  LayerKindInfo k(kind, name, "pool", read_pool, write_window, fit_pool, make_layer_of<PoolLayer>, pool_to_onnx,
                  window_text);
  k.needs_image = true;
  return k;
}

}  // namespace

const LayerKindInfo& max_pool_kind() {
  static const LayerKindInfo info = pool_kind(LayerKind::MaxPool, "maxpool");
  return info;
}

const LayerKindInfo& avg_pool_kind() {
  static const LayerKindInfo info = pool_kind(LayerKind::AvgPool, "avgpool");
  return info;
}

WorkspaceLayer::Descriptors PoolLayer::make_descriptors(const dnnl::memory::desc& src,
                                                        const SetupOptions& opts) const {
  const auto alg = spec_.kind == LayerKind::MaxPool ? dnnl::algorithm::pooling_max
                                                    : dnnl::algorithm::pooling_avg_exclude_padding;
  const dims_t strides{spec_.stride, spec_.stride}, kernel{spec_.kernel, spec_.kernel},
      pad{spec_.pad, spec_.pad};
  // Output in the input's layout: pooling never forces a reorder between its neighbours.
  const dnnl::memory::desc dst({src.dims()[0], spec_.out.c, spec_.out.h, spec_.out.w}, dt::f32,
                               tag::any);
  Descriptors d;
  const dnnl::pooling_forward::primitive_desc fwd(
      {opts.forward_kind(), alg, src, dst, strides, kernel, pad, pad}, opts.engine);
  d.forward = fwd;
  if (opts.backward)
    d.backward = dnnl::pooling_backward::primitive_desc(
        {alg, src, fwd.dst_desc(), strides, kernel, pad, pad}, opts.engine, fwd);
  return d;
}

}  // namespace relunet
