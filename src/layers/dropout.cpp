// dropout.cpp — everything about the dropout kind: model-file field, shape rule, forward,
// backward, ONNX (none: the identity at inference).
#include "layers/dropout.hpp"

#include "core/memory.hpp"
#include "core/random.hpp"
#include "io/json_fields.hpp"
#include "layers/layer_kind.hpp"
#include "layers/shape_rules.hpp"

namespace relunet {

const LayerKindInfo& dropout_kind() {
  static const LayerKindInfo kind(
      LayerKind::Dropout, "dropout", "dropout",
      [](LayerSpec& layer, FieldReader& fields) { layer.dropout = fields.number("p", LayerSpec().dropout); },
      [](const LayerSpec& layer, nlohmann::ordered_json& j) { j["p"] = json_number(layer.dropout); },
      [](LayerSpec& layer, bool) {  // y has x's shape
        check_float(layer.dropout, layer.dropout >= 0.f && layer.dropout < 1.f, "p", "in [0, 1)");
      },
      [](const LayerSpec& spec, uint64_t seed) -> std::unique_ptr<Layer> {
        return std::make_unique<DropoutLayer>(spec, seed);
      },
      [](OnnxGraph&, const LayerSpec&) {});  // the identity at inference
  return kind;
}

dnnl::memory::desc DropoutLayer::setup(const dnnl::memory::desc& src, const SetupOptions&) {
  desc_ = src;
  return src;
}

void DropoutLayer::bind(const LayerBuffers& b) {
  const auto& engine = b.src.get_engine();
  mask_ = dnnl::memory(desc_, engine);
  const dnnl::binary::primitive_desc mul({dnnl::algorithm::binary_mul, desc_, desc_, desc_}, engine);
  apply_ = dnnl::binary(mul);
  apply_args_ = {{DNNL_ARG_SRC_0, b.src}, {DNNL_ARG_SRC_1, mask_}, {DNNL_ARG_DST, b.dst}};
  copy_ = dnnl::reorder(b.src, b.dst);
  copy_args_ = {{DNNL_ARG_FROM, b.src}, {DNNL_ARG_TO, b.dst}};
  if (!b.diff_src) return;
  apply_backward_ = dnnl::binary(mul);
  backward_args_ = {{DNNL_ARG_SRC_0, b.diff_dst}, {DNNL_ARG_SRC_1, mask_}, {DNNL_ARG_DST, b.diff_src}};
}

void DropoutLayer::draw_mask(const Pass& pass) {
  float* mask = data_of(mask_);
  const int64_t n = static_cast<int64_t>(elements_of(desc_));
  const int64_t per_image = n / desc_.dims()[0];
  const float p = spec_.dropout, keep_scale = 1.f / (1.f - p);
  const uint64_t stream_key = mix64(seed_ ^ mix64(pass.step));
#pragma omp parallel for schedule(static)
  for (int64_t i = 0; i < n; ++i) {
    // The element's index in the global batch (plain N x ... order, whatever the layout).
    const int64_t row = pass.shard + pass.shards * (i / per_image);
    const uint64_t key = static_cast<uint64_t>(row * per_image + i % per_image);
    mask[i] = uniform01(mix64(stream_key + key)) < p ? 0.f : keep_scale;
  }
}

void DropoutLayer::forward(dnnl::stream& stream, const Pass& pass) {
  // Training always draws the mask, even for p = 0 (all ones): backward multiplies by it.
  if (!pass.training) {
    copy_.execute(stream, copy_args_);
    return;
  }
  draw_mask(pass);
  apply_.execute(stream, apply_args_);
}

void DropoutLayer::backward(dnnl::stream& stream) {
  if (!backward_args_.empty()) apply_backward_.execute(stream, backward_args_);
}

}  // namespace relunet
