#include "layers/weighted_layer.hpp"

#include <string>

#include "layers/activation.hpp"
#include "layers/shape_rules.hpp"

namespace relunet {
namespace {

bool is_reference(const dnnl::primitive_desc& pd) {
  return pd && std::string(pd.impl_info_str()).rfind("ref", 0) == 0;
}

}  // namespace

void check_init_std(const LayerSpec& layer) {
  check_float(layer.init_std, layer.init_std >= 0.f, "init_std", "a number >= 0 (0: the fan-based default)");
}

dnnl::memory::desc WeightedLayer::setup(const dnnl::memory::desc& src, const SetupOptions& opts) {
  // Post-ops in order: the output scale (a linear eltwise, s * x + 0, the same arithmetic as a
  // separate multiply; with an output-scale attribute instead, oneDNN 2.6 created no training
  // inner product here), then the fused activation.
  dnnl::post_ops ops;
  if (spec_.output_scale != 1.f) ops.append_eltwise(1.f, dnnl::algorithm::eltwise_linear, spec_.output_scale, 0.f);
  if (has_fused_) ops.append_eltwise(1.f, forward_algorithm(fused_.fn), eltwise_alpha(fused_), 0.f);
  dnnl::primitive_attr attr;
  if (ops.len() > 0) attr.set_post_ops(ops);
  pd_ = make_descriptors(src, opts, attr, true);
  // Backward primitives for the forward layouts can be reference (slow) code for some shapes,
  // e.g. 8-channel inputs; then let oneDNN pick their layouts too and reorder at their edges.
  if (opts.backward && (is_reference(pd_.backward_weights) || is_reference(pd_.backward_data)))
    pd_ = make_descriptors(src, opts, attr, false);

  auto make_param = [&](Param& p, const std::string& suffix, const dnnl::memory::desc& md,
                        ParamGroup group, bool trainable) {
    p.name = name() + suffix;
    p.dims = md.dims();
    p.value = dnnl::memory(md, opts.engine);
    if (opts.backward && trainable) p.grad = dnnl::memory(md, opts.engine);
    p.group = group;
  };
  make_param(weight_, ".weight", pd_.forward.weights_desc(), ParamGroup::Weight, !spec_.frozen);
  weight_.dims = weight_dims(src);
  weight_.init = Param::Init::Weights;
  weight_.fan_in = fan_in();
  weight_.fan_out = fan_out();
  if (spec_.bias) make_param(bias_, ".bias", pd_.forward.weights_desc(1), ParamGroup::Bias, true);
  return pd_.forward.dst_desc();
}

void WeightedLayer::bind(const LayerBuffers& b) {
  src_in_ = Relayout::into(b.src, pd_.forward.src_desc());
  fwd_ = dnnl::primitive(pd_.forward);
  fwd_args_ = {{DNNL_ARG_SRC, src_in_.to()}, {DNNL_ARG_WEIGHTS, weight_.value}, {DNNL_ARG_DST, b.dst}};
  if (spec_.bias) fwd_args_[DNNL_ARG_BIAS] = bias_.value;
  if (!b.diff_dst) return;  // inference only

  const auto& engine = b.dst.get_engine();
  // y = s * (W x + b): the gradient of W x + b is s times y's, which the backward passes read.
  dnnl::memory diff_dst = b.diff_dst;
  if (spec_.output_scale != 1.f) {
    diff_dst = dnnl::memory(b.diff_dst.get_desc(), engine);
    scale_diff_ = dnnl::eltwise_forward(dnnl::eltwise_forward::primitive_desc(
        {dnnl::prop_kind::forward_inference, dnnl::algorithm::eltwise_linear, b.diff_dst.get_desc(),
         spec_.output_scale, 0.f},
        engine));
    scale_diff_args_ = {{DNNL_ARG_SRC, b.diff_dst}, {DNNL_ARG_DST, diff_dst}};
  }

  const auto& bw = pd_.backward_weights;
  const bool weights_learn = static_cast<bool>(weight_.grad);
  if (weights_learn || spec_.bias) {  // a frozen layer without a bias needs no weight gradients
    bwd_src_in_ = Relayout::into(src_in_.to(), bw.src_desc());
    bwd_w_diff_dst_in_ = Relayout::into(diff_dst, bw.diff_dst_desc());
    // A frozen layer's bias gradient comes from the same primitive: its weight gradient goes to
    // scratch memory and is never read.
    diff_weights_out_ = Relayout::out_of(
        bw.diff_weights_desc(), weights_learn ? weight_.grad : dnnl::memory(bw.diff_weights_desc(), engine));
    bwd_weights_ = dnnl::primitive(bw);
    bwd_weights_args_ = {{DNNL_ARG_SRC, bwd_src_in_.to()},
                         {DNNL_ARG_DIFF_DST, bwd_w_diff_dst_in_.to()},
                         {DNNL_ARG_DIFF_WEIGHTS, diff_weights_out_.from()}};
    if (spec_.bias) {
      diff_bias_out_ = Relayout::out_of(bw.diff_weights_desc(1), bias_.grad);
      bwd_weights_args_[DNNL_ARG_DIFF_BIAS] = diff_bias_out_.from();
    }
  }
  if (!b.diff_src) return;  // first layer: no gradient for the images

  const auto& bd = pd_.backward_data;
  bwd_d_diff_dst_in_ = Relayout::into(diff_dst, bd.diff_dst_desc());
  bwd_d_weights_in_ = Relayout::into(weight_.value, bd.weights_desc());
  diff_src_out_ = Relayout::out_of(bd.diff_src_desc(), b.diff_src);
  bwd_data_ = dnnl::primitive(bd);
  bwd_data_args_ = {{DNNL_ARG_DIFF_DST, bwd_d_diff_dst_in_.to()},
                    {DNNL_ARG_WEIGHTS, bwd_d_weights_in_.to()},
                    {DNNL_ARG_DIFF_SRC, diff_src_out_.from()}};
}

void WeightedLayer::forward(dnnl::stream& stream, const Pass&) {
  src_in_.run(stream);
  fwd_.execute(stream, fwd_args_);
}

void WeightedLayer::backward(dnnl::stream& stream) {
  if (!scale_diff_args_.empty()) scale_diff_.execute(stream, scale_diff_args_);
  if (!bwd_weights_args_.empty()) {
    bwd_src_in_.run(stream);
    bwd_w_diff_dst_in_.run(stream);
    bwd_weights_.execute(stream, bwd_weights_args_);
    diff_weights_out_.run(stream);
    diff_bias_out_.run(stream);
  }
  if (bwd_data_args_.empty()) return;
  bwd_d_diff_dst_in_.run(stream);
  bwd_d_weights_in_.run(stream);
  bwd_data_.execute(stream, bwd_data_args_);
  diff_src_out_.run(stream);
}

std::vector<Param*> WeightedLayer::params() {
  if (spec_.bias) return {&weight_, &bias_};
  return {&weight_};
}

}  // namespace relunet
