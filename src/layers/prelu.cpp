// prelu.cpp — everything about the prelu kind: model-file field, shape rule, oneDNN descriptors,
// forward, backward and parameters, ONNX node.
#include "layers/prelu.hpp"

#include "io/json_fields.hpp"
#include "layers/layer_kind.hpp"
#include "layers/shape_rules.hpp"

namespace relunet {
namespace {

void read_prelu(LayerSpec& layer, FieldReader& fields) {
  layer.prelu_init = fields.number("init_slope", LayerSpec().prelu_init);
}

void write_prelu(const LayerSpec& layer, nlohmann::ordered_json& j) {
  j["init_slope"] = json_number(layer.prelu_init);
}

// Shapes: y has x's shape; one slope per channel (per unit: a flat input's units are its features).
void fit_prelu(LayerSpec& layer, bool) {
  // A negative slope would start the function upside down for x < 0 (training may still take
  // it there: the slopes are free parameters).
  check_float(layer.prelu_init, layer.prelu_init >= 0.f, "init_slope", "a number >= 0");
  layer.param_count = layer.in.c;
}

// ONNX PRelu broadcasts the slope from the right: C x 1 x 1 against N x C x H x W, C against N x C.
void prelu_to_onnx(OnnxGraph& g, const LayerSpec& layer) {
  const int64_t c = layer.in.c;
  const std::vector<int64_t> dims = g.rank == 2 ? std::vector<int64_t>{c} : std::vector<int64_t>{c, 1, 1};
  g.node("PRelu", layer.name, {g.param(layer.name + ".slope", dims)});
}

}  // namespace

const LayerKindInfo& prelu_kind() {
  static const LayerKindInfo kind = [] {
    LayerKindInfo k(LayerKind::PReLU, "prelu", "prelu", read_prelu, write_prelu, fit_prelu, make_layer_of<PReluLayer>,
                    prelu_to_onnx);
    // For the initialiser of the layer before: He et al. 2015's gain for the initial slope.
    k.applies = [](const LayerSpec& layer) { return Activation{ActivationFn::LeakyReLU, layer.prelu_init}; };
    return k;
  }();
  return kind;
}

dnnl::memory::desc PReluLayer::setup(const dnnl::memory::desc& src, const SetupOptions& opts) {
  // One slope per channel of the memory (dims 2.. broadcast), unless a flatten made every
  // element of an image a unit: then one per element, in the flattened C, H, W order.
  dims_t dims = src.dims();
  dims[0] = 1;
  const bool flattened = dims.size() > 2 && dims[1] != spec_.in.c;
  if (!flattened)
    for (size_t d = 2; d < dims.size(); ++d) dims[d] = 1;
  broadcast_ = plain_desc(dims);

  fwd_pd_ = {{opts.forward_kind(), src, any_desc(dims)}, opts.engine};
  if (opts.backward) {
    // x's gradients have x's layout (the network's buffers); the slopes' gradient, oneDNN's choice.
    bwd_pd_ = {{src, fwd_pd_.weights_desc(0), src, any_desc(dims)}, opts.engine, fwd_pd_};
  }
  slope_.name = name() + ".slope";
  slope_.dims = {spec_.in.c};
  slope_.value = dnnl::memory(plain_desc(slope_.dims), opts.engine);
  if (opts.backward) slope_.grad = dnnl::memory(plain_desc(slope_.dims), opts.engine);
  slope_.init = Param::Init::Constant;
  slope_.constant = spec_.prelu_init;
  slope_.group = ParamGroup::Slope;
  return fwd_pd_.dst_desc();
}

void PReluLayer::bind(const LayerBuffers& b) {
  const auto& engine = b.src.get_engine();
  const dnnl::memory slope(broadcast_, engine, slope_.value.get_data_handle());
  slope_in_ = Relayout::into(slope, fwd_pd_.weights_desc(0));
  fwd_ = dnnl::prelu_forward(fwd_pd_);
  fwd_args_ = {{DNNL_ARG_SRC, b.src}, {DNNL_ARG_WEIGHTS, slope_in_.to()}, {DNNL_ARG_DST, b.dst}};
  if (!b.diff_dst) return;  // inference only
  const dnnl::memory diff_slope(broadcast_, engine, slope_.grad.get_data_handle());
  diff_slope_out_ = Relayout::out_of(bwd_pd_.diff_weights_desc(0), diff_slope);
  bwd_ = dnnl::prelu_backward(bwd_pd_);
  bwd_args_ = {{DNNL_ARG_SRC, b.src},
               {DNNL_ARG_WEIGHTS, slope_in_.to()},
               {DNNL_ARG_DIFF_DST, b.diff_dst},
               {DNNL_ARG_DIFF_WEIGHTS, diff_slope_out_.from()}};
  // The first layer needs no input gradient, but oneDNN always computes one: give it scratch.
  bwd_args_[DNNL_ARG_DIFF_SRC] = b.diff_src ? b.diff_src : dnnl::memory(b.src.get_desc(), engine);
}

void PReluLayer::forward(dnnl::stream& stream, const Pass&) {
  slope_in_.run(stream);  // the optimiser updates the plain slopes
  fwd_.execute(stream, fwd_args_);
}

void PReluLayer::backward(dnnl::stream& stream) {
  bwd_.execute(stream, bwd_args_);
  diff_slope_out_.run(stream);
}

}  // namespace relunet
