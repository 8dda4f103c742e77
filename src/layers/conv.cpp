// conv.cpp — everything about the convolution kind: model-file fields, shape rule, oneDNN
// descriptors (forward and backward; execution and parameters are WeightedLayer's), ONNX node.
#include "layers/conv.hpp"

#include <limits>

#include "core/dnnl_queries.hpp"
#include "io/json_fields.hpp"
#include "layers/layer_kind.hpp"
#include "layers/shape_rules.hpp"
#include "layers/window.hpp"

namespace relunet {

using dnnl::algorithm;

namespace {

constexpr ConvInit kConvInits[] = {ConvInit::Random, ConvInit::Dirac, ConvInit::PatchWhitening};

ConvInit read_init(FieldReader& fields) {
  const std::optional<std::string> text = fields.text("init");
  if (!text) return ConvInit::Random;
  for (ConvInit init : kConvInits)
    if (*text == to_string(init)) return init;
  fields.fail("init", "unknown initialisation \"" + *text + "\"; valid: random, dirac, patch-whitening");
}

void read_conv(LayerSpec& layer, FieldReader& fields) {
  layer.outputs = fields.integer("filters");
  read_window(layer, fields, 1);
  layer.groups = fields.integer("groups", 1);
  layer.bias = fields.boolean("bias", true);
  layer.init_std = fields.number("init_std", 0.f);
  layer.init = read_init(fields);
  layer.frozen = fields.boolean("frozen", false);
}

void write_conv(const LayerSpec& layer, nlohmann::ordered_json& j) {
  j["filters"] = layer.outputs;
  write_window(layer, j);
  j["groups"] = layer.groups;
  j["bias"] = layer.bias;
  if (layer.init_std > 0.f) j["init_std"] = json_number(layer.init_std);
  j["init"] = to_string(layer.init);
  j["frozen"] = layer.frozen;
}

// Dirac and patch-whitening weights are per-channel constructions: no groups.
void check_init(const LayerSpec& layer, bool first_layer) {
  if (layer.init == ConvInit::Random) return;
  if (layer.groups != 1) fail_field("init", "\"" + to_string(layer.init) + "\" needs groups 1");
  if (layer.init != ConvInit::PatchWhitening) return;
  if (!first_layer)
    fail_field("init", "\"patch-whitening\" applies only to the first layer, which sees the images");
  const int64_t patch = layer.in.c * layer.kernel * layer.kernel;
  if (layer.outputs != 2 * patch)
    fail_field("filters", "a patch-whitening layer has 2 x channels x kernel^2 = " + std::to_string(2 * patch) +
                              " filters (each eigenvector of the patch covariance with both signs), got " +
                              std::to_string(layer.outputs));
}

// Shapes: x C x H x W, W (G x) O/G x C/G x K x K, y O x OH x OW.
void fit_conv(LayerSpec& layer, bool first_layer) {
  const Shape& in = layer.in;
  check_positive(layer.outputs, "filters");
  check_positive(layer.groups, "groups");
  if (in.c % layer.groups != 0)
    fail_field("groups",
               std::to_string(layer.groups) + " does not divide the " + std::to_string(in.c) + " input channels");
  if (layer.outputs % layer.groups != 0)
    fail_field("groups",
               std::to_string(layer.groups) + " does not divide the " + std::to_string(layer.outputs) + " filters");
  layer.out = window_output(layer, in, layer.outputs);
  const int64_t weights = checked_product({layer.outputs, in.c / layer.groups, layer.kernel, layer.kernel}, kMaxTensor,
                                          "the weight tensor");
  layer.param_count = weights + (layer.bias ? layer.outputs : 0);
  layer.macs = checked_product({layer.out.size(), in.c / layer.groups, layer.kernel, layer.kernel},
                               std::numeric_limits<int64_t>::max(), "the multiply-add count");
  check_init_std(layer);
  check_init(layer, first_layer);
}

void conv_to_onnx(OnnxGraph& g, const LayerSpec& layer) {
  // ONNX's weights are O x C/G x K x K whatever the groups (the same values as relunet's).
  std::vector<std::string> inputs{
      g.param(layer.name + ".weight", {layer.outputs, layer.in.c / layer.groups, layer.kernel, layer.kernel})};
  if (layer.bias) inputs.push_back(g.param(layer.name + ".bias", {layer.outputs}));
  std::vector<OnnxAttribute> attributes = onnx_window(layer);
  attributes.push_back({"group", layer.groups});
  g.node("Conv", layer.name, inputs, attributes);
}

}  // namespace

std::string to_string(ConvInit init) {
  switch (init) {
    case ConvInit::Random: return "random";
    case ConvInit::Dirac: return "dirac";
    case ConvInit::PatchWhitening: return "patch-whitening";
  }
  throw std::invalid_argument("invalid ConvInit value " + std::to_string(static_cast<int>(init)));
}

std::vector<int64_t> conv_weight_dims(const LayerSpec& layer) {
  const int64_t g = layer.groups, k = layer.kernel;
  if (g == 1) return {layer.outputs, layer.in.c, k, k};
  return {g, layer.outputs / g, layer.in.c / g, k, k};
}

const LayerKindInfo& conv_kind() {
  static const LayerKindInfo kind = [] {
    LayerKindInfo k(LayerKind::Conv, "conv", "conv", read_conv, write_conv, fit_conv, make_layer_of<ConvLayer>,
                    conv_to_onnx, window_text);
    k.needs_image = true;
    return k;
  }();
  return kind;
}

dnnl::memory::dims ConvLayer::weight_dims(const dnnl::memory::desc&) const { return conv_weight_dims(spec_); }

int64_t ConvLayer::fan_in() const { return spec_.in.c / spec_.groups * spec_.kernel * spec_.kernel; }
int64_t ConvLayer::fan_out() const {
  return spec_.outputs / spec_.groups * spec_.kernel * spec_.kernel;
}

WeightedLayer::Descriptors ConvLayer::make_descriptors(const dnnl::memory::desc& src,
                                                       const SetupOptions& opts,
                                                       const dnnl::primitive_attr& attr,
    bool same_layouts) const {
  const int64_t batch = src.dims()[0];
  const dims_t strides{spec_.stride, spec_.stride}, pad{spec_.pad, spec_.pad};
  const auto src_md = any_desc(src.dims());
  const auto weights_md = any_desc(weight_dims(src));
  const auto bias_md = spec_.bias ? any_desc({spec_.outputs}) : dnnl::memory::desc();
  const auto dst_md = any_desc({batch, spec_.out.c, spec_.out.h, spec_.out.w});

  Descriptors d;
  // convolution_auto lets oneDNN take its Winograd F(4x4, 3x3) kernels for 3x3 stride-1 layers
  // where its heuristics expect them to be faster (2-3x per layer here, forward and backward,
  // at a relative RMS difference of about 2e-6 from direct). Always forward_training, even for
  // inference networks: for forward_inference oneDNN 2.6 passes Winograd over for brgconv, which
  // is slower on these layers, and would keep the weights in a Winograd-only layout.
  auto fwd = dnnl::convolution_forward::primitive_desc(
      {dnnl::prop_kind::forward_training, algorithm::convolution_auto, src_md, weights_md,
       bias_md, dst_md, strides, pad, pad},
      attr, opts.engine);
  d.forward = fwd;
  if (!opts.backward) return d;
  // The backward passes use the algorithm oneDNN resolved `auto` to for the forward.
  const algorithm alg = convolution_algorithm(fwd);
  const auto layout = [&](const dnnl::memory::desc& md) { return same_layouts ? md : any_desc(md.dims()); };
  // With `same_layouts`, the gradients take exactly the forward layouts (no reorders between
  // passes); otherwise oneDNN picks them and WeightedLayer reorders at their edges.
  d.backward_weights = dnnl::convolution_backward_weights::primitive_desc(
      {alg, layout(fwd.src_desc()), layout(fwd.weights_desc()),
       spec_.bias ? layout(fwd.bias_desc()) : dnnl::memory::desc(), layout(fwd.dst_desc()),
       strides, pad, pad},
      opts.engine, fwd);
  if (opts.need_diff_src)
    d.backward_data = dnnl::convolution_backward_data::primitive_desc(
        {alg, layout(fwd.src_desc()), layout(fwd.weights_desc()), layout(fwd.dst_desc()),
         strides, pad, pad},
        opts.engine, fwd);
  return d;
}

}  // namespace relunet
