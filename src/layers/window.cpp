#include "layers/window.hpp"

#include "io/json_fields.hpp"
#include "layers/shape_rules.hpp"

namespace relunet {

void read_window(LayerSpec& layer, FieldReader& fields, int64_t default_stride) {
  layer.kernel = fields.integer("kernel");
  layer.stride = fields.integer("stride", default_stride > 0 ? default_stride : layer.kernel);
  layer.pad = fields.integer("pad", 0);
}

void write_window(const LayerSpec& layer, nlohmann::ordered_json& j) {
  j["kernel"] = layer.kernel;
  j["stride"] = layer.stride;
  j["pad"] = layer.pad;
}

Shape window_output(const LayerSpec& layer, const Shape& in, int64_t out_channels) {
  check_positive(layer.kernel, "kernel");
  check_positive(layer.stride, "stride");
  check_size(layer.pad, "pad", 0);
  const int64_t padded_h = in.h + 2 * layer.pad, padded_w = in.w + 2 * layer.pad;
  if (layer.kernel > padded_h || layer.kernel > padded_w)
    fail_field("kernel", std::to_string(layer.kernel) + " is larger than the padded input " + std::to_string(padded_h) +
                             "x" + std::to_string(padded_w) + " (input " + std::to_string(in.h) + "x" +
                             std::to_string(in.w) + ", pad " + std::to_string(layer.pad) +
                             "): the activations have shrunk too far for this layer");
  return checked_shape(out_channels, (padded_h - layer.kernel) / layer.stride + 1,
                       (padded_w - layer.kernel) / layer.stride + 1);
}

std::string window_text(const LayerSpec& layer) {
  std::string text =
      std::to_string(layer.kernel) + "x" + std::to_string(layer.kernel) + "/" + std::to_string(layer.stride);
  if (layer.pad > 0) text += " p" + std::to_string(layer.pad);
  if (layer.groups > 1) text += " g" + std::to_string(layer.groups);
  return text;
}

std::vector<OnnxAttribute> onnx_window(const LayerSpec& layer) {
  return {{"kernel_shape", std::vector<int64_t>{layer.kernel, layer.kernel}},
          {"strides", std::vector<int64_t>{layer.stride, layer.stride}},
          {"pads", std::vector<int64_t>{layer.pad, layer.pad, layer.pad, layer.pad}}};
}

}  // namespace relunet
