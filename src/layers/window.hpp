// window.hpp — the square sliding window that convolution and pooling share: its model-file
// fields (kernel, stride, pad), its output size, its layer-table text and its ONNX attributes.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "layers/layer_spec.hpp"
#include "layers/onnx_graph.hpp"

namespace relunet {

class FieldReader;

// "kernel" (required), "stride" (default `default_stride`, or the kernel if 0) and "pad" (0).
void read_window(LayerSpec& layer, FieldReader& fields, int64_t default_stride);
void write_window(const LayerSpec& layer, nlohmann::ordered_json& j);

// Output of the window over `in` with `out_channels` channels:
// side floor((in + 2*pad - kernel)/stride) + 1. Checks the window's fields.
Shape window_output(const LayerSpec& layer, const Shape& in, int64_t out_channels);

// "3x3/1", with " p1" for padding and " g2" for groups.
std::string window_text(const LayerSpec& layer);

// kernel_shape, strides and pads.
std::vector<OnnxAttribute> onnx_window(const LayerSpec& layer);

}  // namespace relunet
