// inner_product.cpp — everything about the fully connected ("fc") kind: model-file fields,
// shape rule, oneDNN descriptors (execution and parameters are WeightedLayer's), ONNX node.
#include "layers/inner_product.hpp"

#include "io/json_fields.hpp"
#include "layers/layer_kind.hpp"
#include "layers/shape_rules.hpp"

namespace relunet {
namespace {

void read_fc(LayerSpec& layer, FieldReader& fields) {
  layer.outputs = fields.integer("units");
  layer.bias = fields.boolean("bias", true);
  layer.init_std = fields.number("init_std", 0.f);
  layer.output_scale = fields.number("scale", 1.f);
}

void write_fc(const LayerSpec& layer, nlohmann::ordered_json& j) {
  j["units"] = layer.outputs;
  j["bias"] = layer.bias;
  if (layer.init_std > 0.f) j["init_std"] = json_number(layer.init_std);
  j["scale"] = json_number(layer.output_scale);
}

// Shapes: x C x H x W (flattened implicitly) or I, W O x (C x H x W), y O.
void fit_fc(LayerSpec& layer, bool) {
  check_positive(layer.outputs, "units");
  layer.out = checked_shape(layer.outputs, 1, 1);
  layer.macs = checked_product({layer.in.size(), layer.outputs}, kMaxTensor, "the weight matrix");
  layer.param_count = layer.macs + (layer.bias ? layer.outputs : 0);
  check_init_std(layer);
  check_float(layer.output_scale, layer.output_scale > 0.f, "scale", "a positive number");
}

// Gemm with transB: relunet's weights are O x (inputs), flattened in C, H, W order as Flatten is.
// An output scale is folded into the weights and bias (OpenCV 4.6 ignores Gemm's alpha).
void fc_to_onnx(OnnxGraph& g, const LayerSpec& layer) {
  g.flatten(layer.name + ".flatten");
  const float scale = layer.output_scale;
  std::vector<std::string> inputs{g.param(layer.name + ".weight", {layer.outputs, layer.in.size()}, scale)};
  if (layer.bias) inputs.push_back(g.param(layer.name + ".bias", {layer.outputs}, scale));
  g.node("Gemm", layer.name, inputs, {{"transB", int64_t{1}}});
}

}  // namespace

const LayerKindInfo& inner_product_kind() {
  static const LayerKindInfo kind = [] {
    LayerKindInfo k(LayerKind::FullyConnected, "fc", "fc", read_fc, write_fc, fit_fc,
                    make_layer_of<InnerProductLayer>, fc_to_onnx);
    k.gives_vector = true;
    return k;
  }();
  return kind;
}

// Weights take the rank of the input: O x C x H x W for a spatial input, O x I for a flat one.
dnnl::memory::dims InnerProductLayer::weight_dims(const dnnl::memory::desc& src) const {
  auto dims = src.dims();
  dims[0] = spec_.outputs;
  return dims;
}

WeightedLayer::Descriptors InnerProductLayer::make_descriptors(
    const dnnl::memory::desc& src, const SetupOptions& opts,
    const dnnl::primitive_attr& attr,
    bool same_layouts) const {
  const int64_t batch = src.dims()[0];
  const auto weights_md = any_desc(weight_dims(src));
  const auto bias_md = spec_.bias ? any_desc({spec_.outputs}) : dnnl::memory::desc();
  const auto dst_md = plain_desc({batch, spec_.outputs});

  Descriptors d;
  auto fwd = dnnl::inner_product_forward::primitive_desc(
      {opts.forward_kind(), src, weights_md, bias_md, dst_md}, attr, opts.engine);
  d.forward = fwd;
  if (!opts.backward) return d;
  const auto layout = [&](const dnnl::memory::desc& md) { return same_layouts ? md : any_desc(md.dims()); };
  d.backward_weights = dnnl::inner_product_backward_weights::primitive_desc(
      {layout(fwd.src_desc()), layout(fwd.weights_desc()),
       spec_.bias ? layout(fwd.bias_desc()) : dnnl::memory::desc(), layout(fwd.dst_desc())},
      opts.engine, fwd);
  if (opts.need_diff_src)
    d.backward_data = dnnl::inner_product_backward_data::primitive_desc(
        {layout(fwd.src_desc()), layout(fwd.weights_desc()), layout(fwd.dst_desc())}, opts.engine,
        fwd);
  return d;
}

}  // namespace relunet
